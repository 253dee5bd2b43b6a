"""Per-diagnosis context: the role series and the quantities many analyzers share.

Everything here is computed at most once per diagnosis (``cached_property``),
so that twenty findings can ask for the validation noise or the best epoch
without recomputing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from diagnose_api.analysis.fast_stats import median
from diagnose_api.analysis.history import History
from diagnose_api.analysis.history import Series
from diagnose_api.analysis.noise import noise_scale
from diagnose_api.analysis.result import Trend
from diagnose_api.analysis.rise import Rise
from diagnose_api.analysis.rise import measure_rise
from diagnose_api.analysis.roles import Direction
from diagnose_api.analysis.roles import Role
from diagnose_api.analysis.roles import assign_roles
from diagnose_api.analysis.roles import direction_of
from diagnose_api.analysis.spacing import Differences
from diagnose_api.analysis.spacing import contiguous_differences
from diagnose_api.analysis.spacing import typical_spacing
from diagnose_api.analysis.trends import fit_trend
from diagnose_api.analysis.trends import recent_window_start

# Significance level of every trend test.
ALPHA = 0.05

# Relative noise floor: a tolerance is never below this fraction of the
# series' typical magnitude, so a perfectly smooth curve (noise 0) does not
# make every 1e-9 wiggle significant.
RELATIVE_NOISE_FLOOR = 1e-3


@dataclass(frozen=True)
class Options:
    """Parameters of one diagnosis.

    The stop-rule fields mirror ``keras.callbacks.EarlyStopping`` and, for the
    thresholds, Lightning's ``EarlyStopping``; ``monitor`` None means the
    validation loss, or the training loss when no validation loss was
    logged. ``patience`` None means each library's default (Keras 0,
    Lightning 3).
    """

    monitor: str | None = None
    mode: str = "auto"
    patience: int | None = None
    min_delta: float = 0.0
    baseline: float | None = None
    start_from_epoch: int = 0
    stopping_threshold: float | None = None
    divergence_threshold: float | None = None
    check_finite: bool = True
    smoothing: float = 0.6

    def __post_init__(self) -> None:
        if self.mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {self.mode!r}")
        if self.patience is not None and self.patience < 0:
            raise ValueError(f"patience must be >= 0, got {self.patience}")
        if not self.min_delta >= 0:
            raise ValueError(f"min_delta must be >= 0, got {self.min_delta}")
        if self.start_from_epoch < 0:
            raise ValueError(
                f"start_from_epoch must be >= 0, got {self.start_from_epoch}"
            )
        if not 0 <= self.smoothing < 1:
            raise ValueError(f"smoothing must be in [0, 1), got {self.smoothing}")


class Context:
    """The role series of a history and the statistics derived from them."""

    def __init__(self, history: History, options: Options) -> None:
        self.history = history
        self.options = options
        self.epochs = history.epochs
        self.roles = assign_roles(list(history.series))

    def role(self, role: Role) -> Series | None:
        name = self.roles.get(role)
        return None if name is None else self.history.series[name]

    @cached_property
    def train_loss(self) -> Series | None:
        return self.role(Role.TRAIN_LOSS)

    @cached_property
    def val_loss(self) -> Series | None:
        return self.role(Role.VAL_LOSS)

    @cached_property
    def train_accuracy(self) -> Series | None:
        return self.role(Role.TRAIN_ACCURACY)

    @cached_property
    def val_accuracy(self) -> Series | None:
        return self.role(Role.VAL_ACCURACY)

    @cached_property
    def loss(self) -> Series | None:
        """The loss series the overfitting checks read: validation, else training."""
        return self.val_loss if self.val_loss is not None else self.train_loss

    @cached_property
    def monitor(self) -> Series | None:
        """The series the stop rules watch and the best epoch is taken from."""
        name = self.options.monitor
        if name is None:
            return self.loss
        return self.history.series[name]

    @cached_property
    def direction(self) -> Direction:
        """Direction of the monitored series: the option, else from its name."""
        if self.options.mode != "auto":
            return Direction(self.options.mode)
        if self.monitor is None:
            return Direction.MIN
        direction = direction_of(self.monitor.name)
        if direction is None:
            raise ValueError(
                f"cannot tell whether {self.monitor.name!r} improves by decreasing "
                "or increasing; set options.mode to 'min' or 'max'"
            )
        return direction

    @cached_property
    def best_index(self) -> int | None:
        """Position of the best finite monitored value; ties go to the first."""
        series = self.monitor
        if series is None or not series.observed.any():
            return None
        values = np.where(series.observed, series.values, np.nan)
        if self.direction is Direction.MAX:
            return int(np.nanargmax(values))
        return int(np.nanargmin(values))

    def raw_noise(self, series: Series) -> float:
        """``noise.noise_scale`` of a series' finite values, without a floor."""
        cache = self.__dict__.setdefault("_raw_noise_cache", {})
        if series.name not in cache:
            values = series.values
            if not self.complete(series):
                values = values[series.observed]
            cache[series.name] = noise_scale(values)
        result: float = cache[series.name]
        return result

    def noise(self, series: Series) -> float:
        """Noise level of a series, floored relative to its magnitude."""
        cache = self.__dict__.setdefault("_noise_cache", {})
        if series.name not in cache:
            finite = series.values[series.observed]
            sigma = self.raw_noise(series)
            if finite.size:
                floor = RELATIVE_NOISE_FLOOR * self.magnitude(series)
                sigma = max(sigma, floor) if np.isfinite(sigma) else floor
            cache[series.name] = sigma
        return float(cache[series.name])

    def magnitude(self, series: Series) -> float:
        """Typical magnitude of a series: the median of its finite |values|.

        NaN without a finite value.
        """
        cache = self.__dict__.setdefault("_magnitude_cache", {})
        if series.name not in cache:
            cache[series.name] = median(
                np.abs(series.values[series.observed]), overwrite_input=True
            )
        result: float = cache[series.name]
        return result

    def differences(self, series: Series) -> Differences:
        """First differences of a series between logged neighbours, gaps left out.

        See ``spacing.contiguous_differences``; the arrays are read-only.
        """
        cache = self.__dict__.setdefault("_differences_cache", {})
        if series.name not in cache:
            diffs = contiguous_differences(self.epochs, series.values, series.observed)
            diffs.end_positions.setflags(write=False)
            diffs.values.setflags(write=False)
            cache[series.name] = diffs
        result: Differences = cache[series.name]
        return result

    def trend(self, series: Series) -> Trend:
        """Trend of a series' finite values over their recent window."""
        cache = self.__dict__.setdefault("_trend_cache", {})
        if series.name not in cache:
            x, y = self.observed(series)
            start = recent_window_start(y.size)
            cache[series.name] = fit_trend(series.name, x[start:], y[start:], ALPHA)
        result: Trend = cache[series.name]
        return result

    def observed(self, series: Series, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Epochs and finite values of a series from position ``start`` on.

        A series with every value finite and logged gets read-only views of
        its arrays, not copies.
        """
        if self.complete(series):
            return _read_only_view(self.epochs[start:]), _read_only_view(
                series.values[start:]
            )
        mask = series.observed.copy()
        mask[:start] = False
        return self.epochs[mask], series.values[mask]

    def complete(self, series: Series) -> bool:
        """Return True when every value of a series is logged and finite."""
        cache = self.__dict__.setdefault("_complete_cache", {})
        if series.name not in cache:
            cache[series.name] = bool(series.observed.all())
        result: bool = cache[series.name]
        return result

    def epoch_at(self, index: int) -> float:
        return float(self.epochs[index])

    def step_at(self, index: int | None) -> int | None:
        """Optimizer step of row ``index``; None without steps or index."""
        if index is None or self.history.steps is None:
            return None
        return int(self.history.steps[index])

    @cached_property
    def starts_late(self) -> bool:
        """Whether the log begins well after epoch 0 (epochs 76 to 85 of a run)."""
        return bool(self.epochs[0] > 1.5 * typical_spacing(self.epochs))

    def finite_values(self, series: Series) -> np.ndarray:
        """Values with NaN wherever the series has no finite logged value.

        The array is cached and read-only.
        """
        if self.complete(series):
            return _read_only_view(series.values)
        cache = self.__dict__.setdefault("_finite_cache", {})
        if series.name not in cache:
            values = np.where(series.observed, series.values, np.nan)
            values.setflags(write=False)
            cache[series.name] = values
        result: np.ndarray = cache[series.name]
        return result

    @cached_property
    def loss_rise(self) -> Rise | None:
        """Rise of the loss series (validation, else training) after its minimum."""
        if self.loss is None:
            return None
        return measure_rise(
            self.epochs, self.finite_values(self.loss), self.noise(self.loss)
        )

    @cached_property
    def train_rise(self) -> Rise | None:
        """Rise of the training loss after its own minimum."""
        if self.train_loss is None:
            return None
        return measure_rise(
            self.epochs,
            self.finite_values(self.train_loss),
            self.noise(self.train_loss),
        )

    @cached_property
    def val_accuracy_fall(self) -> Rise | None:
        """Fall of validation accuracy after its peak: the rise of its negation."""
        if self.val_accuracy is None:
            return None
        return measure_rise(
            self.epochs,
            -self.finite_values(self.val_accuracy),
            self.noise(self.val_accuracy),
        )

    @cached_property
    def gap(self) -> np.ndarray | None:
        """Generalization gap per epoch, validation minus training loss.

        NaN where either loss is missing or non-finite; None without both
        losses.
        """
        if self.train_loss is None or self.val_loss is None:
            return None
        return self.finite_values(self.val_loss) - self.finite_values(self.train_loss)

    @cached_property
    def gap_noise(self) -> float:
        """Noise level (``noise.noise_scale``) of the finite generalization gap.

        NaN without both losses or with fewer than 3 finite gap values.
        """
        if self.gap is None:
            return float("nan")
        # noise_scale drops the non-finite values itself.
        return noise_scale(self.gap)


def _read_only_view(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.setflags(write=False)
    return view
