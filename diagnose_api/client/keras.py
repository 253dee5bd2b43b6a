"""Keras 3 callback that reports every epoch to diagnose-api and stops on its advice.

Importing this module imports Keras; ``pip install 'diagnose-api[keras]'``.

Example::

    from diagnose_api.client.keras import DiagnoseCallback

    callback = DiagnoseCallback(
        "http://127.0.0.1:8000", name="mnist-mlp", patience=3,
        restore_best_weights=True,
    )
    model.fit(x, y, validation_split=0.2, epochs=100, callbacks=[callback])
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import keras

from diagnose_api.client.live import DiagnoseServiceWarning
from diagnose_api.client.live import StopAdvice
from diagnose_api.client.live import callback_reporter

__all__ = ["DiagnoseCallback", "DiagnoseServiceWarning"]

logger = logging.getLogger(__name__)


class DiagnoseCallback(keras.callbacks.Callback):
    """Report each epoch's logs to a live run and stop when its stop rule stops.

    The run is created on train begin with the stop rule ``monitor``,
    ``patience``, ``min_delta`` and ``mode``. At each epoch end the logs are
    appended as epoch ``epoch + 1`` (Keras prints epochs from 1), and the
    service replays Keras ``EarlyStopping`` with that rule on the stored
    epochs. Training stops when the replay has stopped at or before this
    epoch: ``should_stop`` is True when, after epoch t, the wait counter
    reached ``patience`` on a non-improving value, where a value improves
    when it beats the best by more than ``min_delta``.

    A service that is down, slow or rejects a request never stops training:
    the callback emits one ``DiagnoseServiceWarning`` and carries on.

    Parameters
    ----------
    url : str
        Root URL of the service, such as ``http://127.0.0.1:8000``.
    name : str or None, default None
        Name of the run.
    tags : iterable of str, default ()
        Tags of the run.
    monitor : str, default "val_loss"
        The logged metric the stop rule watches.
    patience : int, default 0
        Epochs without improvement before stopping, as in Keras.
    min_delta : float, default 0.0
        Smallest change that counts as an improvement, >= 0.
    stop_training : bool, default True
        Set ``model.stop_training`` when the service advises stopping.
        False only reports.
    restore_best_weights : bool, default False
        Keep the weights of the rule's best epoch in memory and restore
        them when training ends.
    timeout : float, default 2.0
        Seconds to wait for the service per request.
    mode : {"auto", "min", "max"}, default "auto"
        Whether the monitor improves downward or upward; "auto" decides
        from its name.
    api_key : str or None, default None
        Sent as ``Authorization: Bearer`` when the service requires a key.

    Attributes
    ----------
    run_id : str or None
        Id of the run; None until the service created it.
    last_advice : StopAdvice or None
        The latest stop decision received.
    stopped_epoch : int or None
        Epoch (1-based) at whose end this callback stopped training.
    best_epoch : int or None
        Epoch (1-based) whose weights are kept for restoring.
    """

    def __init__(
        self,
        url: str,
        name: str | None = None,
        tags: Iterable[str] = (),
        monitor: str = "val_loss",
        patience: int = 0,
        min_delta: float = 0.0,
        stop_training: bool = True,
        restore_best_weights: bool = False,
        timeout: float = 2.0,
        mode: str = "auto",
        api_key: str | None = None,
    ) -> None:
        super().__init__()
        self.reporter = callback_reporter(
            url,
            name=name,
            tags=tags,
            monitor=monitor,
            patience=patience,
            min_delta=min_delta,
            mode=mode,
            timeout=timeout,
            api_key=api_key,
        )
        self.stop_training = stop_training
        self.restore_best_weights = restore_best_weights
        self.last_advice: StopAdvice | None = None
        self.stopped_epoch: int | None = None
        self.best_epoch: int | None = None
        self.best_weights: list[Any] | None = None

    @property
    def run_id(self) -> str | None:
        return self.reporter.run_id

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._reset()
        self.reporter.start()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        number = epoch + 1
        advice = self.reporter.report(number, logs or {})
        if advice is None:
            return

        self.last_advice = advice
        if self.restore_best_weights and advice.restore_epoch == number:
            self.best_weights = self.model.get_weights()
            self.best_epoch = number

        if advice.should_stop and self.stop_training:
            self.model.stop_training = True
            self.stopped_epoch = number

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        # As Keras 3 EarlyStopping does, restore whether or not training stopped.
        # Weights kept at an epoch that is no longer the best (the service
        # missed the better epoch's report) are not restored.
        if not self.restore_best_weights or self.best_weights is None:
            return

        if (
            self.last_advice is None
            or self.last_advice.restore_epoch != self.best_epoch
        ):
            logger.warning(
                "not restoring weights: the kept epoch %s is not the best epoch %s",
                self.best_epoch,
                None if self.last_advice is None else self.last_advice.restore_epoch,
            )
            return

        self.model.set_weights(self.best_weights)

    def _reset(self) -> None:
        self.last_advice = None
        self.stopped_epoch = None
        self.best_epoch = None
        self.best_weights = None
