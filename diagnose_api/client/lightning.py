"""Lightning callback that reports every epoch to diagnose-api and stops on its advice.

Importing this module imports Lightning; ``pip install 'diagnose-api[lightning]'``.

Example::

    from diagnose_api.client.lightning import DiagnoseCallback

    trainer = lightning.pytorch.Trainer(
        max_epochs=100,
        callbacks=[DiagnoseCallback("http://127.0.0.1:8000", name="resnet18")],
    )
    trainer.fit(model, train_loader, val_loader)
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import lightning.pytorch as pl
from lightning.pytorch.callbacks import Callback

from diagnose_api.client.live import DiagnoseServiceWarning
from diagnose_api.client.live import StopAdvice
from diagnose_api.client.live import callback_reporter
from diagnose_api.client.live import scalar_metrics

__all__ = ["DiagnoseCallback", "DiagnoseServiceWarning"]


class DiagnoseCallback(Callback):
    """Report ``trainer.callback_metrics`` to a live run and stop on its advice.

    The run is created when fitting starts, with the stop rule ``monitor``,
    ``patience``, ``min_delta`` and ``mode``. The service replays Keras
    ``EarlyStopping`` with that rule on the stored epochs. An epoch is reported as
    ``trainer.current_epoch + 1``.

    Validation ends before the training epoch does, and at that point
    ``callback_metrics`` still holds the previous epoch's epoch-level
    training metrics (Lightning 2.6). So the callback notes at validation
    epoch end which metrics the validation loop logged, and reports at train
    epoch end, when both the validation and the training metrics are this
    epoch's. When the service advises stopping, ``trainer.should_stop`` is
    set there, and the fit loop ends after this epoch, as with Lightning's
    own ``EarlyStopping`` checked at train epoch end. An epoch without
    validation (``check_val_every_n_epoch`` > 1) is reported without the
    validation metrics, which would be the previous validation's values, and
    the stop rule skips it because it lacks the monitor.

    Only the process of global rank 0 talks to the service; the decision
    is broadcast to the other processes.

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
    patience : int, default 3
        Epochs without improvement before stopping, as in Lightning's
        ``EarlyStopping``.
    min_delta : float, default 0.0
        Smallest change that counts as an improvement, >= 0.
    stop_training : bool, default True
        Set ``trainer.should_stop`` when the service advises stopping.
        False only reports.
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
    """

    def __init__(
        self,
        url: str,
        name: str | None = None,
        tags: Iterable[str] = (),
        monitor: str = "val_loss",
        patience: int = 3,
        min_delta: float = 0.0,
        stop_training: bool = True,
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
        self.last_advice: StopAdvice | None = None
        self.stopped_epoch: int | None = None
        self._validation_keys: set[str] = set()
        self._validated_epoch: int | None = None
        self._before_validation: dict[str, float] = {}

    @property
    def run_id(self) -> str | None:
        return self.reporter.run_id

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.last_advice = None
        self.stopped_epoch = None
        self._validation_keys = set()
        self._validated_epoch = None
        self._before_validation = {}
        if trainer.is_global_zero:
            self.reporter.start()

    def on_validation_epoch_start(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule
    ) -> None:
        if not trainer.sanity_checking:
            self._before_validation = scalar_metrics(trainer.callback_metrics)

    def on_validation_epoch_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule
    ) -> None:
        if trainer.sanity_checking:
            return

        # A metric that appeared or changed during validation was logged by it.
        after = scalar_metrics(trainer.callback_metrics)
        before = self._before_validation
        self._validation_keys |= {
            name
            for name, value in after.items()
            if name not in before or not _same(before[name], value)
        }
        self._validated_epoch = trainer.current_epoch

    def on_train_epoch_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule
    ) -> None:
        should_stop = False
        if trainer.is_global_zero:
            number = trainer.current_epoch + 1
            metrics = scalar_metrics(trainer.callback_metrics)
            if self._validated_epoch != trainer.current_epoch:
                metrics = {
                    name: value
                    for name, value in metrics.items()
                    if name not in self._validation_keys
                }
            advice = self.reporter.report(number, metrics)
            if advice is not None:
                self.last_advice = advice
                should_stop = advice.should_stop and self.stop_training

        should_stop = bool(trainer.strategy.broadcast(should_stop, src=0))
        if should_stop:
            trainer.should_stop = True
            self.stopped_epoch = trainer.current_epoch + 1


def _same(first: float, second: float) -> bool:
    return first == second or (math.isnan(first) and math.isnan(second))
