"""Records that the run store accepts and returns."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from numbers import Real
from typing import Any


@dataclass(frozen=True)
class Run:
    """A live training run that a training loop appends epochs to.

    Attributes
    ----------
    id : str
        32 hexadecimal digits of a random UUID (``uuid.uuid4().hex``).
    name : str or None
        Free-form label the client chose.
    tags : tuple of str
        Labels for filtering with ``list_runs(tag=...)``, in the order sent.
    stop_rule : dict
        The stop rule parameters the client sent (``monitor``, ``patience``,
        ...), stored as JSON and returned unchanged.
    created_at : datetime.datetime
        Creation time, timezone-aware UTC, with microsecond resolution.
    """

    id: str
    name: str | None
    tags: tuple[str, ...]
    stop_rule: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class RunPage:
    """One page of runs, newest first.

    Attributes
    ----------
    runs : list of Run
        At most ``limit`` runs, ordered by ``created_at`` descending, then by
        ``id`` descending.
    next_cursor : str or None
        Opaque value to pass as ``cursor`` for the next page; None on the
        last page.
    """

    runs: list[Run]
    next_cursor: str | None


@dataclass(frozen=True)
class EpochRow:
    """The metric values logged for one epoch.

    Construction checks the types and converts every value to ``float``.
    NaN and +-inf are legal metric values; None means "not logged".

    Attributes
    ----------
    epoch : float
        Epoch number in the client's numbering, finite, possibly fractional.
    metrics : dict of str to float or None
        Values keyed by metric name (``loss``, ``val_loss``, ...); at least
        one name.

    Raises
    ------
    ValueError
        If ``epoch`` is not finite or ``metrics`` is empty.
    TypeError
        If ``epoch`` or a metric value is not a real number (booleans are
        rejected), or a metric name is not a non-empty string.
    """

    epoch: float
    metrics: dict[str, float | None]

    def __post_init__(self) -> None:
        object.__setattr__(self, "epoch", _check_epoch(self.epoch))
        object.__setattr__(self, "metrics", _check_metrics(self.epoch, self.metrics))


@dataclass(frozen=True)
class AppendResult:
    """Outcome of one ``append_epochs`` call.

    Attributes
    ----------
    inserted : list of float
        Epochs written by this call, ascending.
    unchanged : list of float
        Epochs already stored with the same metrics, ascending; not written
        again.
    """

    inserted: list[float]
    unchanged: list[float]


@dataclass(frozen=True)
class MetricConflict:
    """One metric whose stored value differs from the value sent for an epoch.

    A metric present on one side only has ``stored_present`` or
    ``sent_present`` False and None as its value on that side.

    Attributes
    ----------
    metric : str
        Metric name.
    stored : float or None
        Value already stored.
    sent : float or None
        Value in the rejected request.
    stored_present : bool
        False when the stored epoch has no such metric.
    sent_present : bool
        False when the request has no such metric for that epoch.
    """

    metric: str
    stored: float | None
    sent: float | None
    stored_present: bool = True
    sent_present: bool = True


def _check_epoch(epoch: object) -> float:
    # The exact type test skips the slower numbers.Real check for plain floats.
    if type(epoch) is not float and (
        isinstance(epoch, bool) or not isinstance(epoch, Real)
    ):
        raise TypeError(f"epoch must be a real number, got {epoch!r}")

    value = float(epoch)
    if not math.isfinite(value):
        raise ValueError(f"epoch must be finite, got {value!r}")

    # Adding 0.0 turns -0.0 into 0.0, so that both spell the same stored key.
    return value + 0.0


def _check_metrics(epoch: float, metrics: object) -> dict[str, float | None]:
    if not isinstance(metrics, dict):
        raise TypeError(f"metrics of epoch {epoch!r} must be a dict, got {metrics!r}")

    if not metrics:
        raise ValueError(f"metrics of epoch {epoch!r} must contain at least one name")

    checked: dict[str, float | None] = {}
    for name, value in metrics.items():
        if not isinstance(name, str) or not name:
            raise TypeError(
                f"metric names of epoch {epoch!r} must be non-empty strings, "
                f"got {name!r}"
            )

        if value is None or type(value) is float:
            checked[name] = value
            continue

        if isinstance(value, bool) or not isinstance(value, Real):
            raise TypeError(
                f"metric {name!r} of epoch {epoch!r} must be a real number or "
                f"None, got {value!r}"
            )

        checked[name] = float(value)

    return checked
