"""Real Keras 3 training (torch backend, CPU) reporting to the service.

A small dense network fits 40 digits from scikit-learn's bundled data set,
so it overfits within a few epochs and the service's stop rule ends it.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import pytest
from runs_support import require_module
from server import free_port

from diagnose_api.analysis.stop_rules import simulate_keras
from diagnose_api.client import DiagnoseClient

# The backend is chosen when Keras is first imported.
os.environ["KERAS_BACKEND"] = "torch"
keras = require_module("keras")
torch = require_module("torch")
datasets = require_module("sklearn.datasets")

from diagnose_api.client.keras import DiagnoseCallback  # noqa: E402
from diagnose_api.client.keras import DiagnoseServiceWarning  # noqa: E402

N_TRAIN = 40
MAX_EPOCHS = 30
PATIENCE = 2


@pytest.fixture(scope="module")
def digits() -> dict[str, np.ndarray]:
    features, labels = datasets.load_digits(return_X_y=True)
    features = (features / 16.0).astype("float32")
    return {
        "x_train": features[:N_TRAIN],
        "y_train": labels[:N_TRAIN],
        "x_val": features[1000:1200],
        "y_val": labels[1000:1200],
    }


def fit(
    digits: dict[str, np.ndarray], callback: Any, epochs: int
) -> tuple[Any, dict[str, list[float]], list[warnings.WarningMessage]]:
    # One thread: on a shared 2-core machine more threads only contend.
    torch.set_num_threads(1)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.03),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(
            digits["x_train"],
            digits["y_train"],
            validation_data=(digits["x_val"], digits["y_val"]),
            epochs=epochs,
            batch_size=16,
            verbose=0,
            callbacks=[callback],
        )
    return model, history.history, caught


def service_warnings(caught: list[warnings.WarningMessage]) -> int:
    return sum(issubclass(item.category, DiagnoseServiceWarning) for item in caught)


def test_keras_stops_at_rule_epoch(
    live_service_url: str, digits: dict[str, np.ndarray]
) -> None:
    callback = DiagnoseCallback(
        live_service_url,
        name="keras-digits",
        tags=["keras"],
        patience=PATIENCE,
        restore_best_weights=True,
    )
    model, history, caught = fit(digits, callback, MAX_EPOCHS)

    run = DiagnoseClient(live_service_url).get_run(str(callback.run_id))
    n_trained = len(history["loss"])
    assert service_warnings(caught) == 0
    assert run["name"] == "keras-digits"
    assert run["options"]["patience"] == PATIENCE
    assert [row["epoch"] for row in run["epochs"]] == list(range(1, n_trained + 1))
    for name, values in history.items():
        assert [row[name] for row in run["epochs"]] == values

    val_loss = np.array([row["val_loss"] for row in run["epochs"]])
    replay = simulate_keras(val_loss, mode="min", patience=PATIENCE)
    assert replay.stopped_index is not None, "the model did not overfit"
    assert replay.best_index is not None
    assert n_trained < MAX_EPOCHS
    assert n_trained == replay.stopped_index + 1
    assert callback.stopped_epoch == n_trained
    assert callback.last_advice is not None
    assert callback.last_advice.should_stop is True

    # The restored weights are those of the best epoch, whose val_loss
    # evaluating the model reproduces.
    assert callback.best_epoch == replay.best_index + 1
    restored = model.evaluate(digits["x_val"], digits["y_val"], verbose=0)[0]
    assert restored == pytest.approx(val_loss[replay.best_index], rel=1e-4)


def test_keras_reports_without_stopping(
    live_service_url: str, digits: dict[str, np.ndarray]
) -> None:
    callback = DiagnoseCallback(
        live_service_url, patience=0, stop_training=False, timeout=5.0
    )
    _, history, caught = fit(digits, callback, epochs=8)
    assert service_warnings(caught) == 0
    assert len(history["loss"]) == 8
    assert callback.stopped_epoch is None
    assert callback.last_advice is not None
    assert callback.last_advice.should_stop is True


def test_keras_trains_with_service_down(digits: dict[str, np.ndarray]) -> None:
    callback = DiagnoseCallback(f"http://127.0.0.1:{free_port()}", patience=0)
    _, history, caught = fit(digits, callback, epochs=5)
    assert len(history["loss"]) == 5
    assert service_warnings(caught) == 1
    assert callback.run_id is None
    assert callback.stopped_epoch is None
