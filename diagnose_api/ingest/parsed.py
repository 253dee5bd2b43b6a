"""The neutral form every log reader returns, and the error every reader raises."""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field
from typing import Any


@dataclass(frozen=True)
class ParsedLog:
    """Metric series read from one training log, one value per row.

    A row is one epoch (or one evaluation, or one logged step for logs that
    carry steps only). Readers keep every series the log has, under the
    metric name as logged.

    Attributes
    ----------
    series : dict of str to list of float or None
        Metric name as logged -> one value per row. None where the metric
        was not logged in that row; NaN and +-inf are kept as logged.
    epochs : list of float or None
        Epoch number of each row in the log's own numbering, strictly
        increasing, possibly fractional. None when the log has no epoch
        numbers (callers then number the rows 1..n).
    steps : list of int or None
        Optimizer step of each row, when the log has one for every row.
    format : str
        Name of the reader that produced this result.
    notes : tuple of str
        Facts the caller should pass on to the user: renumbered epochs,
        skipped lines, aligned series, dropped columns.
    meta : dict
        Run facts outside the series, such as Hugging Face Trainer's
        ``best_model_checkpoint`` and ``best_metric``, or the
        ``checkpoints`` folders found by ``read_path``.
    """

    series: dict[str, list[float | None]]
    epochs: list[float] | None
    steps: list[int] | None
    format: str
    notes: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n_rows = self.n_rows
        for name, values in self.series.items():
            if len(values) != n_rows:
                raise ValueError(
                    f"series {name!r} must have one value per row ({n_rows}), "
                    f"got {len(values)}"
                )
        if self.steps is not None and len(self.steps) != n_rows:
            raise ValueError(
                f"steps must have one value per row ({n_rows}), got {len(self.steps)}"
            )
        if self.epochs is not None:
            for previous, current in zip(self.epochs, self.epochs[1:]):
                if not current > previous:
                    raise ValueError(
                        "epochs must be strictly increasing, got "
                        f"{current!r} after {previous!r}"
                    )

    @property
    def n_rows(self) -> int:
        """Number of rows: the length of epochs, steps or any series."""
        if self.epochs is not None:
            return len(self.epochs)
        if self.steps is not None:
            return len(self.steps)
        return max((len(values) for values in self.series.values()), default=0)

    @property
    def non_finite(self) -> dict[str, list[int]]:
        """Row indices of NaN or infinite values, per series that has any."""
        found: dict[str, list[int]] = {}
        for name, values in self.series.items():
            rows = [
                index
                for index, value in enumerate(values)
                if value is not None and not math.isfinite(value)
            ]
            if rows:
                found[name] = rows
        return found


def shorten(text: str, max_chars: int = 40) -> str:
    """Return ``text`` quoted, cut to ``max_chars`` characters with an ellipsis."""
    if len(text) > max_chars:
        text = text[: max_chars - 3] + "..."
    return repr(text)


class IngestError(ValueError):
    """A log that a reader cannot read, with the place and the fix.

    Attributes
    ----------
    line : int or None
        1-based line of the input where reading failed, when the failure
        has a line (binary files and size limits have none).
    expected : str
        What the reader expected at that place.
    got : str or None
        What it found instead, as printed in the message.
    format : str or None
        The reader that failed, or None when no format applies yet
        (undetectable input, size limits).
    fix : str
        One sentence telling the user what to change.
    """

    def __init__(
        self,
        expected: str,
        *,
        got: str | None = None,
        line: int | None = None,
        format: str | None = None,
        fix: str,
    ) -> None:
        self.expected = expected
        self.got = got
        self.line = line
        self.format = format
        self.fix = fix
        super().__init__(self.sentence())

    def sentence(self) -> str:
        """Build the message: where, what was expected, what was found, the fix."""
        source = f"{self.format} input" if self.format else "input"
        place = f" at line {self.line}" if self.line is not None else ""
        found = f", got {self.got}" if self.got is not None else ""
        return f"Invalid {source}{place}: expected {self.expected}{found}. {self.fix}"
