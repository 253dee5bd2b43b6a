"""Write the logger fixture files under tests/data/logs/ with the real libraries.

Each section trains a tiny model on CPU on a scikit-learn data set that ships
with the package (no downloads) and keeps only the files the logger wrote:

- Keras 3 (torch backend): ``CSVLogger`` files and the console output of
  ``fit`` with ``verbose=1`` and ``verbose=2``;
- Lightning: ``CSVLogger`` ``metrics.csv`` with validation every 2 epochs;
- transformers: ``trainer_state.json`` of a run and of its ``checkpoint-*``
  folders, the model card written by ``Trainer.create_model_card``, and a
  run that logs evaluation rows only;
- TensorBoard: an event file written by ``torch.utils.tensorboard``.

Run once from the repository root, with the fixture extras installed::

    pip install torch==2.13.0 keras lightning transformers accelerate \
        tensorboard scikit-learn
    python scripts/make_logger_fixtures.py

Every random generator is seeded with ``SEED``, but the values still change
with library versions and BLAS builds. The tests compare each reader with the
files as committed, never with a fresh run.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import torch
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

SEED = 1234
OUTPUT_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "logs"


def load_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return standardized breast-cancer features split 70/30 (train, val)."""
    features, labels = load_breast_cancer(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(
        features, labels, test_size=0.3, random_state=SEED, stratify=labels
    )
    scaler = StandardScaler().fit(x_train)
    return (
        scaler.transform(x_train).astype(np.float32),
        scaler.transform(x_val).astype(np.float32),
        y_train.astype(np.int64),
        y_val.astype(np.int64),
    )


def make_keras_fixtures(data: tuple[np.ndarray, ...]) -> None:
    """Write Keras CSVLogger files and console captures of ``fit``."""
    import keras

    x_train, x_val, y_train, y_val = data

    def build_classifier(learning_rate: float) -> keras.Model:
        keras.utils.set_random_seed(SEED)
        model = keras.Sequential(
            [
                keras.Input(shape=(x_train.shape[1],)),
                keras.layers.Dense(32, activation="relu"),
                keras.layers.Dense(2, activation="softmax"),
            ]
        )
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model

    fits = [
        ("keras_csvlogger.csv", "keras_console_verbose1.txt", 1, 1),
        ("keras_csvlogger_valfreq2.csv", "keras_console_verbose2.txt", 2, 2),
    ]
    for csv_name, console_name, verbose, validation_freq in fits:
        model = build_classifier(1e-3)
        csv_path = OUTPUT_DIR / csv_name
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            model.fit(
                x_train,
                y_train,
                validation_data=(x_val, y_val),
                validation_freq=validation_freq,
                epochs=6,
                batch_size=64,
                verbose=verbose,
                callbacks=[keras.callbacks.CSVLogger(str(csv_path))],
            )
        (OUTPUT_DIR / console_name).write_text(buffer.getvalue())

    # Plain SGD at learning rate 0.2 on a mean-squared-error regression of the
    # labels overflows float32: the first epoch logs inf, later ones nan.
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential(
        [
            keras.Input(shape=(x_train.shape[1],)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.2), loss="mse", metrics=["mae"])
    model.fit(
        x_train,
        y_train.astype(np.float32),
        validation_data=(x_val, y_val.astype(np.float32)),
        epochs=5,
        batch_size=64,
        verbose=0,
        callbacks=[
            keras.callbacks.CSVLogger(str(OUTPUT_DIR / "keras_csvlogger_nan.csv"))
        ],
    )


def make_lightning_fixture(data: tuple[np.ndarray, ...]) -> None:
    """Write a Lightning CSVLogger metrics.csv with validation every 2 epochs."""
    import lightning
    from lightning.pytorch.loggers import CSVLogger

    x_train, x_val, y_train, y_val = data

    class Classifier(lightning.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Sequential(
                torch.nn.Linear(x_train.shape[1], 16),
                torch.nn.ReLU(),
                torch.nn.Linear(16, 2),
            )

        def training_step(self, batch, batch_idx):
            inputs, targets = batch
            loss = torch.nn.functional.cross_entropy(self.net(inputs), targets)
            self.log("train_loss", loss, on_step=True, on_epoch=True)
            return loss

        def validation_step(self, batch, batch_idx):
            inputs, targets = batch
            logits = self.net(inputs)
            loss = torch.nn.functional.cross_entropy(logits, targets)
            accuracy = (logits.argmax(dim=1) == targets).float().mean()
            self.log("val_loss", loss)
            self.log("val_acc", accuracy)

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=1e-3)

    lightning.seed_everything(SEED, verbose=False)
    train_loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(
            torch.from_numpy(x_train), torch.from_numpy(y_train)
        ),
        batch_size=64,
        shuffle=True,
    )
    val_loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(
            torch.from_numpy(x_val), torch.from_numpy(y_val)
        ),
        batch_size=256,
    )
    with tempfile.TemporaryDirectory() as log_dir:
        logger = CSVLogger(log_dir, name="run", version=0)
        trainer = lightning.Trainer(
            max_epochs=6,
            check_val_every_n_epoch=2,
            log_every_n_steps=3,
            logger=logger,
            accelerator="cpu",
            devices=1,
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            num_sanity_val_steps=0,
        )
        trainer.fit(Classifier(), train_loader, val_loader)
        shutil.copy(
            Path(logger.log_dir) / "metrics.csv",
            OUTPUT_DIR / "lightning_metrics.csv",
        )


def quantize_features(features: np.ndarray, n_bins: int) -> np.ndarray:
    """Map each standardized feature to a token id: feature * n_bins + bin."""
    edges = np.linspace(-2.0, 2.0, n_bins - 1)
    bins = np.digitize(features, edges)
    offsets = np.arange(features.shape[1]) * n_bins
    return (bins + offsets).astype(np.int64)


def make_transformers_fixtures(data: tuple[np.ndarray, ...]) -> None:
    """Write trainer_state.json files and a model card from a tiny BERT."""
    from transformers import BertConfig
    from transformers import BertForSequenceClassification
    from transformers import Trainer
    from transformers import TrainingArguments
    from transformers import set_seed

    x_train, x_val, y_train, y_val = data
    n_bins = 8
    # Token 0 is kept free for [CLS]-like use; ids start at 1.
    train_ids = quantize_features(x_train, n_bins) + 1
    val_ids = quantize_features(x_val, n_bins) + 1
    vocab_size = int(x_train.shape[1] * n_bins + 1)

    def as_records(ids: np.ndarray, labels: np.ndarray) -> list[dict]:
        return [
            {"input_ids": torch.from_numpy(row), "labels": int(label)}
            for row, label in zip(ids, labels, strict=True)
        ]

    def compute_metrics(prediction) -> dict[str, float]:
        predicted = np.argmax(prediction.predictions, axis=1)
        return {"accuracy": float(np.mean(predicted == prediction.label_ids))}

    def train(output_dir: Path, logging_strategy: str) -> Trainer:
        set_seed(SEED)
        config = BertConfig(
            vocab_size=vocab_size,
            hidden_size=16,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=32,
            max_position_embeddings=x_train.shape[1],
            num_labels=2,
        )
        model = BertForSequenceClassification(config)
        arguments = TrainingArguments(
            output_dir=str(output_dir),
            num_train_epochs=4,
            per_device_train_batch_size=32,
            per_device_eval_batch_size=64,
            learning_rate=3e-3,
            eval_strategy="steps",
            eval_steps=9,
            save_strategy="steps",
            save_steps=9,
            logging_strategy=logging_strategy,
            logging_steps=4,
            load_best_model_at_end=True,
            metric_for_best_model="eval_loss",
            save_total_limit=None,
            report_to="none",
            use_cpu=True,
            seed=SEED,
            disable_tqdm=True,
        )
        trainer = Trainer(
            model=model,
            args=arguments,
            train_dataset=as_records(train_ids, y_train),
            eval_dataset=as_records(val_ids, y_val),
            compute_metrics=compute_metrics,
        )
        trainer.train()
        trainer.save_state()
        return trainer

    # Relative output folders keep best_model_checkpoint free of temp paths.
    with tempfile.TemporaryDirectory() as work_dir, contextlib.chdir(work_dir):
        run_dir = Path("hf_run")
        trainer = train(run_dir, logging_strategy="steps")
        trainer.create_model_card(model_name="tiny-bert-breast-cancer")
        fixture_dir = OUTPUT_DIR / "hf_run"
        if fixture_dir.exists():
            shutil.rmtree(fixture_dir)
        fixture_dir.mkdir()
        shutil.copy(run_dir / "trainer_state.json", fixture_dir)
        shutil.copy(run_dir / "README.md", OUTPUT_DIR / "hf_model_card.md")
        for checkpoint in sorted(run_dir.glob("checkpoint-*")):
            target = fixture_dir / checkpoint.name
            target.mkdir()
            shutil.copy(checkpoint / "trainer_state.json", target)

        eval_only_dir = Path("hf_eval_only")
        train(eval_only_dir, logging_strategy="no")
        shutil.copy(
            eval_only_dir / "trainer_state.json",
            OUTPUT_DIR / "hf_trainer_state_eval_only.json",
        )


def make_tensorboard_fixture(data: tuple[np.ndarray, ...]) -> None:
    """Write one TensorBoard event file with train/ and val/ scalars per epoch."""
    from torch.utils.tensorboard import SummaryWriter

    x_train, x_val, y_train, y_val = data
    torch.manual_seed(SEED)
    model = torch.nn.Sequential(
        torch.nn.Linear(x_train.shape[1], 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 2),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    inputs = torch.from_numpy(x_train)
    targets = torch.from_numpy(y_train)
    val_inputs = torch.from_numpy(x_val)
    val_targets = torch.from_numpy(y_val)

    with tempfile.TemporaryDirectory() as log_dir:
        writer = SummaryWriter(log_dir=log_dir, filename_suffix=".fixture")
        for epoch in range(8):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(inputs), targets)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                logits = model(val_inputs)
                val_loss = torch.nn.functional.cross_entropy(logits, val_targets)
                val_acc = (logits.argmax(dim=1) == val_targets).float().mean()
            writer.add_scalar("train/loss", loss.item(), epoch)
            writer.add_scalar("val/loss", val_loss.item(), epoch)
            writer.add_scalar("val/acc", val_acc.item(), epoch)
        writer.close()
        (event_file,) = Path(log_dir).glob("events.out.tfevents.*")
        shutil.copy(event_file, OUTPUT_DIR / "events.out.tfevents.fixture")


def main() -> int:
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    data = load_data()
    make_keras_fixtures(data)
    make_lightning_fixture(data)
    make_transformers_fixtures(data)
    make_tensorboard_fixture(data)
    versions = {
        "seed": SEED,
        "python": sys.version.split()[0],
        "torch": torch.__version__,
    }
    for package in ("keras", "lightning", "transformers", "tensorboard", "sklearn"):
        versions[package] = __import__(package).__version__
    (OUTPUT_DIR / "VERSIONS.json").write_text(json.dumps(versions, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
