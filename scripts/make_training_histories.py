"""Train small real models into known failure modes and save their histories.

Each scenario trains a PyTorch MLP on CPU on a dataset that scikit-learn
ships (digits, wine), with fixed seeds, and writes one JSON file per run to
tests/data/training/ in the same layout as the other histories in
tests/data (epochs, loss, val_loss, accuracy, val_accuracy, other_metrics,
source). The expectations in tests/data/training/expected.json were written
from what each scenario is built to show, not from the service's output.

Run once, on CPU:

    pip install torch==2.13.0 scikit-learn
    python scripts/make_training_histories.py

Not part of the test suite: the histories it wrote are committed.
"""

from __future__ import annotations

import json
import platform
from dataclasses import asdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch import nn

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "training"


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    dataset: str = "digits"
    hidden: tuple[int, ...] = (256, 256)
    dropout: float = 0.0
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.0
    weight_decay: float = 0.0
    epochs: int = 60
    batch_size: int = 32
    n_train: int = 200
    label_noise: float = 0.0
    lr_step_epoch: int | None = None
    lr_step_factor: float = 0.1
    seed: int = 0


SCENARIOS = [
    Scenario(
        name="overfit_small_train",
        description="Wide MLP, 200 training images, no regularization: validation "
        "loss turns up after a few epochs.",
        hidden=(512, 512),
        epochs=80,
    ),
    Scenario(
        name="label_noise_memorization",
        description="30% of training labels flipped at random: the model memorizes "
        "the noise and validation loss rises.",
        hidden=(512, 512),
        epochs=100,
        n_train=600,
        label_noise=0.3,
        seed=1,
    ),
    Scenario(
        name="underfit_tiny_model",
        description="Width-2 MLP with plain SGD at lr 1e-3 on wine: the loss barely "
        "moves.",
        dataset="wine",
        hidden=(2,),
        optimizer="sgd",
        lr=1e-3,
        epochs=60,
        n_train=120,
        seed=2,
    ),
    Scenario(
        name="lr_too_high",
        description="SGD at lr 0.3 with momentum 0.9 on a deep MLP: the loss "
        "turns NaN after the first epoch.",
        hidden=(256, 256, 256),
        optimizer="sgd",
        lr=0.3,
        momentum=0.9,
        epochs=30,
        n_train=800,
        seed=3,
    ),
    Scenario(
        name="dropout_regularized",
        description="Dropout 0.5 and weight decay on 1,000 training images: "
        "validation follows training without turning up.",
        hidden=(256,),
        dropout=0.5,
        weight_decay=1e-3,
        optimizer="adamw",
        epochs=60,
        n_train=1000,
        seed=4,
    ),
    Scenario(
        name="lr_step_schedule",
        description="SGD with a step schedule: lr divided by 10 at epoch 25, and "
        "both losses step down with it.",
        hidden=(256,),
        optimizer="sgd",
        lr=0.05,
        momentum=0.9,
        epochs=50,
        n_train=1000,
        lr_step_epoch=25,
        seed=5,
    ),
]


def load(scenario: Scenario) -> tuple[np.ndarray, ...]:
    data = load_digits() if scenario.dataset == "digits" else load_wine()
    x = StandardScaler().fit_transform(data.data).astype(np.float32)
    y = data.target.astype(np.int64)
    x_train, x_val, y_train, y_val = train_test_split(
        x, y, train_size=scenario.n_train, random_state=scenario.seed, stratify=y
    )
    if scenario.label_noise:
        rng = np.random.default_rng(scenario.seed)
        flip = rng.random(y_train.size) < scenario.label_noise
        n_classes = int(y.max()) + 1
        y_train = y_train.copy()
        y_train[flip] = rng.integers(0, n_classes, int(flip.sum()))
    return x_train, x_val, y_train, y_val


def build_model(scenario: Scenario, n_in: int, n_out: int) -> nn.Module:
    layers: list[nn.Module] = []
    width = n_in
    for hidden in scenario.hidden:
        layers += [nn.Linear(width, hidden), nn.ReLU()]
        if scenario.dropout:
            layers.append(nn.Dropout(scenario.dropout))
        width = hidden
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


def make_optimizer(scenario: Scenario, model: nn.Module) -> torch.optim.Optimizer:
    params = model.parameters()
    if scenario.optimizer == "sgd":
        return torch.optim.SGD(
            params, lr=scenario.lr, momentum=scenario.momentum,
            weight_decay=scenario.weight_decay,
        )
    if scenario.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=scenario.lr, weight_decay=scenario.weight_decay)
    return torch.optim.Adam(params, lr=scenario.lr, weight_decay=scenario.weight_decay)


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    model.eval()
    with torch.no_grad():
        logits = model(x)
        loss = float(nn.functional.cross_entropy(logits, y))
        accuracy = float((logits.argmax(dim=1) == y).float().mean())
    return loss, accuracy


def train(scenario: Scenario) -> dict:
    torch.manual_seed(scenario.seed)
    x_train, x_val, y_train, y_val = load(scenario)
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    xv, yv = torch.from_numpy(x_val), torch.from_numpy(y_val)
    model = build_model(scenario, x_train.shape[1], int(max(y_train.max(), y_val.max())) + 1)
    optimizer = make_optimizer(scenario, model)
    history: dict[str, list] = {"loss": [], "val_loss": [], "accuracy": [], "val_accuracy": [], "lr": []}
    generator = torch.Generator().manual_seed(scenario.seed)
    for epoch in range(1, scenario.epochs + 1):
        if scenario.lr_step_epoch is not None and epoch == scenario.lr_step_epoch:
            for group in optimizer.param_groups:
                group["lr"] *= scenario.lr_step_factor
        model.train()
        order = torch.randperm(len(xt), generator=generator)
        total_loss = 0.0
        correct = 0
        for start in range(0, len(xt), scenario.batch_size):
            batch = order[start : start + scenario.batch_size]
            optimizer.zero_grad()
            logits = model(xt[batch])
            loss = nn.functional.cross_entropy(logits, yt[batch])
            loss.backward()
            optimizer.step()
            # Keras-style epoch averages of the training batches.
            total_loss += loss.item() * len(batch)
            correct += int((logits.argmax(dim=1) == yt[batch]).sum())
        history["loss"].append(total_loss / len(xt))
        history["accuracy"].append(correct / len(xt))
        val_loss, val_accuracy = evaluate(model, xv, yv)
        history["val_loss"].append(val_loss)
        history["val_accuracy"].append(val_accuracy)
        history["lr"].append(optimizer.param_groups[0]["lr"])

    def clean(values: list[float]) -> list:
        # JSON has no NaN: store non-finite values as strings, like the other files.
        return [round(v, 6) if np.isfinite(v) else ("NaN" if np.isnan(v) else ("Infinity" if v > 0 else "-Infinity")) for v in values]

    return {
        "source": "generated: scripts/make_training_histories.py "
        + json.dumps(asdict(scenario), sort_keys=True)
        + f"; torch {torch.__version__}, python {platform.python_version()}",
        "framework": "pytorch",
        "question": scenario.description,
        "answer_verdict": None,
        "epochs": list(range(1, scenario.epochs + 1)),
        "loss": clean(history["loss"]),
        "val_loss": clean(history["val_loss"]),
        "accuracy": clean(history["accuracy"]),
        "val_accuracy": clean(history["val_accuracy"]),
        "other_metrics": {"lr": history["lr"]},
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    for scenario in SCENARIOS:
        record = train(scenario)
        (OUT / f"{scenario.name}.json").write_text(json.dumps(record, indent=1) + "\n")
        print(scenario.name, record["val_loss"][:3], "...", record["val_loss"][-3:])


if __name__ == "__main__":
    main()
