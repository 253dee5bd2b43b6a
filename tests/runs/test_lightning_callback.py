"""Real Lightning training (CPU) reporting to the service.

A small network fits 40 digits from scikit-learn's bundled data set, so it
overfits within a few epochs and the service's stop rule ends it.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from runs_support import require_module
from server import free_port

from diagnose_api.analysis.stop_rules import simulate_keras
from diagnose_api.client import DiagnoseClient

torch = require_module("torch")
pl = require_module("lightning.pytorch")
datasets = require_module("sklearn.datasets")

from diagnose_api.client.lightning import DiagnoseCallback  # noqa: E402
from diagnose_api.client.lightning import DiagnoseServiceWarning  # noqa: E402

N_TRAIN = 40
MAX_EPOCHS = 30
PATIENCE = 2


class TinyClassifier(pl.LightningModule):  # type: ignore[misc,name-defined]
    """Two dense layers, trained with Adam at a high learning rate."""

    def __init__(self) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)
        )

    def training_step(self, batch: Any, batch_index: int) -> Any:
        features, labels = batch
        loss = torch.nn.functional.cross_entropy(self.net(features), labels)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss

    def validation_step(self, batch: Any, batch_index: int) -> None:
        features, labels = batch
        logits = self.net(features)
        accuracy = (logits.argmax(dim=1) == labels).float().mean()
        self.log("val_loss", torch.nn.functional.cross_entropy(logits, labels))
        self.log("val_acc", accuracy)

    def configure_optimizers(self) -> Any:
        return torch.optim.Adam(self.parameters(), lr=0.05)


class MetricsRecorder(pl.Callback):  # type: ignore[misc,name-defined]
    """Keep ``callback_metrics`` at each train epoch end, as floats."""

    def __init__(self) -> None:
        self.epochs: list[dict[str, float]] = []

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        metrics = trainer.callback_metrics
        self.epochs.append({name: float(value) for name, value in metrics.items()})


@pytest.fixture(scope="module")
def loaders() -> tuple[Any, Any]:
    features, labels = datasets.load_digits(return_X_y=True)
    x = torch.tensor(features / 16.0, dtype=torch.float32)
    y = torch.tensor(labels)
    train = torch.utils.data.TensorDataset(x[:N_TRAIN], y[:N_TRAIN])
    val = torch.utils.data.TensorDataset(x[1000:1200], y[1000:1200])
    generator = torch.Generator().manual_seed(0)
    return (
        torch.utils.data.DataLoader(
            train, batch_size=16, shuffle=True, generator=generator
        ),
        torch.utils.data.DataLoader(val, batch_size=200),
    )


def fit(
    loaders: tuple[Any, Any], callbacks: list[Any], **trainer_args: Any
) -> tuple[Any, list[warnings.WarningMessage]]:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    trainer = pl.Trainer(
        accelerator="cpu",
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
        logger=False,
        callbacks=callbacks,
        **trainer_args,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.fit(TinyClassifier(), *loaders)
    return trainer, caught


def service_warnings(caught: list[warnings.WarningMessage]) -> int:
    return sum(issubclass(item.category, DiagnoseServiceWarning) for item in caught)


def stored_run(url: str, callback: DiagnoseCallback) -> dict[str, Any]:
    run: dict[str, Any] = DiagnoseClient(url).get_run(str(callback.run_id))
    return run


def test_lightning_stops_at_rule_epoch(
    live_service_url: str, loaders: tuple[Any, Any]
) -> None:
    callback = DiagnoseCallback(
        live_service_url, name="lightning-digits", patience=PATIENCE
    )
    recorder = MetricsRecorder()
    trainer, caught = fit(loaders, [callback, recorder], max_epochs=MAX_EPOCHS)

    run = stored_run(live_service_url, callback)
    n_trained = len(recorder.epochs)
    assert service_warnings(caught) == 0
    assert trainer.current_epoch == n_trained
    assert [row["epoch"] for row in run["epochs"]] == list(range(1, n_trained + 1))
    # Each epoch contains that epoch's training and validation metrics.
    for row, recorded in zip(run["epochs"], recorder.epochs, strict=True):
        assert row == {"epoch": row["epoch"], **recorded}

    val_loss = np.array([row["val_loss"] for row in run["epochs"]])
    replay = simulate_keras(val_loss, mode="min", patience=PATIENCE)
    assert replay.stopped_index is not None, "the model did not overfit"
    assert replay.best_index is not None
    assert n_trained < MAX_EPOCHS
    assert n_trained == replay.stopped_index + 1
    assert callback.stopped_epoch == n_trained
    assert callback.last_advice is not None
    assert callback.last_advice.restore_epoch == replay.best_index + 1


def test_epochs_without_validation_omit_it(
    live_service_url: str, loaders: tuple[Any, Any]
) -> None:
    callback = DiagnoseCallback(live_service_url, stop_training=False)
    fit(loaders, [callback], max_epochs=4, check_val_every_n_epoch=2)
    run = stored_run(live_service_url, callback)
    names = [sorted(set(row) - {"epoch"}) for row in run["epochs"]]
    assert names == [
        ["train_loss"],
        ["train_loss", "val_acc", "val_loss"],
        ["train_loss"],
        ["train_loss", "val_acc", "val_loss"],
    ]


def test_lightning_trains_with_service_down(loaders: tuple[Any, Any]) -> None:
    callback = DiagnoseCallback(f"http://127.0.0.1:{free_port()}", patience=0)
    trainer, caught = fit(loaders, [callback], max_epochs=4)
    assert trainer.current_epoch == 4
    assert service_warnings(caught) == 1
    assert callback.run_id is None
    assert callback.stopped_epoch is None
