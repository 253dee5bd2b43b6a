"""Report a training run to diagnose-api epoch by epoch, never failing training.

``LiveRunReporter`` is the part that the Keras and Lightning callbacks
share: it creates the run, appends each epoch's metrics, and returns the
service's stop decision. It never raises. The first failure emits one
``DiagnoseServiceWarning``; later ones are logged at INFO level.

After a connection failure, a timeout or a 5xx status the reporter keeps
the unsent epochs and skips the service for 1, 2, 4, ... epochs (at most
``MAX_SKIPPED_EPOCHS``) before it sends them all together, so a service
that is down costs a training loop a few timeouts, not one per epoch. A
4xx status on an append drops that append's epochs, because resending them
cannot succeed. A 4xx status on creating the run turns the reporter off.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from diagnose_api.client.errors import ApiError
from diagnose_api.client.errors import ClientError
from diagnose_api.client.http import DiagnoseClient
from diagnose_api.client.options import stop_rule_options

logger = logging.getLogger(__name__)

MAX_SKIPPED_EPOCHS = 32
# Callbacks retry once, briefly: an epoch waits for the service at most
# about (retries + 1) * timeout per request.
CALLBACK_RETRIES = 1
CALLBACK_BACKOFF_SECONDS = 0.1
# Keys that frameworks put among the metrics but that are counters.
NOT_METRICS = frozenset({"epoch", "step"})


class DiagnoseServiceWarning(UserWarning):
    """The diagnose-api service failed; training goes on without its advice."""


@dataclass(frozen=True)
class StopAdvice:
    """The service's stop decision after one epoch.

    Attributes
    ----------
    epoch : float
        The epoch just reported.
    should_stop : bool
        True when the run's stop rule stopped at or before ``epoch``.
    stop_reason : str or None
        Why the rule stopped, such as ``patience_exhausted``.
    stopped_epoch : float or None
        Epoch after which the rule stopped.
    restore_epoch : float or None
        The rule's best epoch so far: the weights to restore.
    status : str
        The diagnosis status, such as ``overfitting``.
    message : str
        The service's explanation of the decision.
    """

    epoch: float
    should_stop: bool
    stop_reason: str | None
    stopped_epoch: float | None
    restore_epoch: float | None
    status: str
    message: str


class LiveRunReporter:
    """Create a run, append epochs to it and fetch the stop decision.

    Parameters
    ----------
    client : DiagnoseClient
        Client of the service.
    name : str or None
        Name of the run.
    tags : list of str
        Tags of the run.
    options : dict
        The stop rule, as ``POST /v1/runs`` takes it.
    """

    def __init__(
        self,
        client: DiagnoseClient,
        *,
        name: str | None,
        tags: list[str],
        options: dict[str, Any],
    ) -> None:
        self.client = client
        self.name = name
        self.tags = tags
        self.options = options
        self.run_id: str | None = None
        self._warned = False
        self._enabled = False
        self._pending: dict[float, dict[str, float]] = {}
        self._failures = 0
        self._epochs_to_skip = 0

    def start(self) -> None:
        """Forget the previous run and create a new one.

        When the service fails, the next ``report`` tries again.
        """
        self.run_id = None
        self._enabled = True
        self._pending = {}
        self._failures = 0
        self._epochs_to_skip = 0
        self._call(self._create_run)

    def report(self, epoch: float, metrics: Mapping[str, Any]) -> StopAdvice | None:
        """Send one epoch's metrics; return the stop decision, or None on failure.

        Values that are not real numbers (strings, arrays) are left out; an
        epoch without any real number is not reported.
        """
        if not self._enabled:
            return None

        try:
            values = scalar_metrics(metrics)
            number = float(epoch)
        except Exception as error:  # noqa: BLE001 - nothing may reach training
            self._warn(f"diagnose-api cannot report epoch {epoch!r}: {error!r}")
            return None

        if not values:
            return None

        self._pending[number] = values
        if self._epochs_to_skip > 0:
            self._epochs_to_skip -= 1
            return None

        response = self._call(self._append_and_diagnose)
        if response is None:
            return None

        try:
            return advice_from(number, response)
        except (KeyError, TypeError, ValueError) as error:
            self._warn(f"diagnose-api returned an invalid diagnosis: {error!r}")
            return None

    def _call(
        self, step: Callable[[list[str]], dict[str, Any]]
    ) -> dict[str, Any] | None:
        """Run ``step(stages)``; handle every failure and return None on one."""
        stages = ["create"]
        try:
            response: dict[str, Any] = step(stages)
        except ApiError as error:
            self._reject(stages[-1], error)
            return None
        except ClientError as error:
            self._back_off(error)
            return None
        except Exception as error:  # noqa: BLE001 - nothing may reach training
            self._enabled = False
            self._warn(
                f"diagnose-api reporting stopped after an unexpected error: {error!r}"
            )
            return None

        if self._failures:
            logger.info(
                "diagnose-api responded again after %d failure(s)", self._failures
            )
        self._failures = 0
        return response

    def _create_run(self, stages: list[str]) -> dict[str, Any]:
        run: dict[str, Any] = self.client.create_run(
            name=self.name, tags=self.tags, options=self.options
        )
        self.run_id = str(run["id"])
        logger.info("reporting to diagnose-api run %s", self.run_id)
        return run

    def _append_and_diagnose(self, stages: list[str]) -> dict[str, Any]:
        if self.run_id is None:
            self._create_run(stages)

        run_id = str(self.run_id)
        stages.append("append")
        if self._pending:
            epochs = [
                {"epoch": number, **values} for number, values in self._pending.items()
            ]
            self.client.append_epochs(run_id, epochs)
            self._pending.clear()

        stages.append("diagnosis")
        return self.client.get_diagnosis(run_id)

    def _reject(self, stage: str, error: ApiError) -> None:
        """Handle an error status: 5xx is transient, 4xx is final."""
        if error.status >= 500:
            self._back_off(error)
            return

        if stage == "append" and error.status in (409, 422):
            dropped = sorted(self._pending)
            self._pending.clear()
            self._warn(
                f"diagnose-api rejected epochs {dropped} of run {self.run_id}: "
                f"{error}; they are not stored"
            )
            return

        if stage == "diagnosis" and error.status == 409:
            self._warn(f"diagnose-api cannot diagnose run {self.run_id} yet: {error}")
            return

        self._enabled = False
        self._warn(f"diagnose-api reporting stopped: {error}")

    def _back_off(self, error: Exception) -> None:
        self._epochs_to_skip = min(2**self._failures, MAX_SKIPPED_EPOCHS)
        self._failures += 1
        self._warn(
            f"diagnose-api at {self.client.base_url} failed ({error}); training goes "
            f"on, and the next {self._epochs_to_skip} epoch(s) are sent later"
        )

    def _warn(self, message: str) -> None:
        """Warn on the first failure, then log; never raise."""
        if self._warned:
            logger.info(message)
            return

        self._warned = True
        try:
            warnings.warn(message, DiagnoseServiceWarning, stacklevel=4)
        except Warning:
            # Warnings configured as errors must not stop training.
            logger.warning(message)


def callback_reporter(
    url: str,
    *,
    name: str | None,
    tags: Iterable[str],
    monitor: str,
    patience: int,
    min_delta: float,
    mode: str,
    timeout: float,
    api_key: str | None,
) -> LiveRunReporter:
    """Build the reporter of a training callback: its stop rule and a quick client.

    The client retries ``CALLBACK_RETRIES`` times after
    ``CALLBACK_BACKOFF_SECONDS``, so a slow service delays an epoch by
    little.

    Raises
    ------
    ValueError
        If a stop-rule option is invalid (see ``stop_rule_options``).
    """
    options = stop_rule_options(
        monitor=monitor, patience=patience, min_delta=min_delta, mode=mode
    )
    client = DiagnoseClient(
        url,
        api_key=api_key,
        timeout=timeout,
        retries=CALLBACK_RETRIES,
        backoff=CALLBACK_BACKOFF_SECONDS,
    )
    return LiveRunReporter(client, name=name, tags=list(tags), options=options)


def scalar_metrics(metrics: Mapping[str, Any]) -> dict[str, float]:
    """Keep the metrics that are real numbers, as floats.

    Booleans, strings, arrays and tensors of more than one element are left
    out, and so are the ``epoch`` and ``step`` counters.
    """
    scalars: dict[str, float] = {}
    for name, value in metrics.items():
        if not isinstance(name, str) or name in NOT_METRICS:
            continue

        if isinstance(value, (bool, str, bytes)):
            continue

        try:
            number = float(value)
        except (TypeError, ValueError, RuntimeError):
            # RuntimeError: torch refuses float() on tensors of many elements.
            continue

        scalars[name] = number

    return scalars


def advice_from(epoch: float, response: Mapping[str, Any]) -> StopAdvice:
    """Read the stop decision out of a ``GET /v1/runs/{id}/diagnosis`` response."""
    return StopAdvice(
        epoch=epoch,
        should_stop=bool(response["should_stop"]),
        stop_reason=response.get("stop_reason"),
        stopped_epoch=response.get("stopped_epoch"),
        restore_epoch=response.get("restore_epoch"),
        status=str(response.get("status")),
        message=str(response.get("message", "")),
    )
