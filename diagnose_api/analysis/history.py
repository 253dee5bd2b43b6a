"""The in-memory form of one training run's history, shared by every analyzer."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from functools import cached_property

import numpy as np

from diagnose_api.analysis.checkpoints import Checkpoints


@dataclass(frozen=True)
class Series:
    """One metric logged per epoch.

    Attributes
    ----------
    name : str
        The metric name as the client sent it (``val_loss``, ``acc``, ...).
    values : numpy.ndarray
        float64 values, one per epoch of the history. NaN where the value is
        missing or was NaN in the log; +-inf kept as sent.
    missing : numpy.ndarray
        bool mask, True where nothing was logged for that epoch (JSON null,
        an empty CSV cell, validation that runs every k epochs). A NaN that
        the run itself produced has ``missing`` False.
    """

    name: str
    values: np.ndarray
    missing: np.ndarray

    @cached_property
    def non_finite(self) -> np.ndarray:
        """Mask of epochs whose logged value is NaN or infinite (read-only)."""
        return _read_only(~np.isfinite(self.values) & ~self.missing)

    @cached_property
    def observed(self) -> np.ndarray:
        """Mask of epochs with a finite logged value (read-only).

        Analyzers read it dozens of times per diagnosis, so it is computed
        once; ``values`` and ``missing`` must not change after that.
        """
        return _read_only(np.isfinite(self.values) & ~self.missing)


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class History:
    """A run's metric series aligned on one epoch axis.

    Attributes
    ----------
    epochs : numpy.ndarray
        float64 epoch numbers in the client's own numbering, strictly
        increasing; possibly fractional (0.99, 1.98, ...) and with gaps.
    series : dict of str to Series
        Every metric, keyed by its name as sent.
    steps : numpy.ndarray or None
        Optimizer step of each row when the log has one (Hugging Face
        Trainer, Lightning), else None.
    notes : tuple of str
        Facts about how the history was read from a log (aligned rows,
        renumbered epochs), passed on to the diagnosis.
    checkpoints : Checkpoints or None
        The checkpoints the run saved, when its log records them (Hugging
        Face Trainer output folders and ``trainer_state.json``).
    """

    epochs: np.ndarray
    series: dict[str, Series]
    steps: np.ndarray | None = None
    notes: tuple[str, ...] = field(default=())
    checkpoints: Checkpoints | None = None

    @property
    def n_epochs(self) -> int:
        return int(self.epochs.shape[0])

    @classmethod
    def from_lists(
        cls,
        series: dict[str, list[float | None]],
        epochs: list[float] | None = None,
        steps: list[int] | None = None,
    ) -> History:
        """Build a history from plain lists, with None for a value not logged.

        Epochs default to 1..n, as Keras prints them. Callers validate
        lengths and epoch order first; this constructor only converts.
        """
        lengths = {len(values) for values in series.values()}
        if len(lengths) != 1:
            raise ValueError(f"series lengths differ: {sorted(lengths)}")
        n = lengths.pop()
        converted = {}
        for name, values in series.items():
            missing = np.fromiter((v is None for v in values), dtype=bool, count=n)
            array = np.array(
                [np.nan if v is None else v for v in values], dtype=np.float64
            )
            converted[name] = Series(name=name, values=array, missing=missing)
        if epochs is None:
            epoch_array = np.arange(1, n + 1, dtype=np.float64)
        else:
            epoch_array = np.asarray(epochs, dtype=np.float64)
        step_array = None if steps is None else np.asarray(steps, dtype=np.int64)
        return cls(epochs=epoch_array, series=converted, steps=step_array)
