"""Read the console output of Keras' ``fit`` (Keras 1 to 3).

Layout: an ``Epoch 3/50`` header, then progress lines. With ``verbose=1``
a progress bar is redrawn with ``\\r`` or ``\\b``, and its intermediate
states carry ``ETA`` or a step counter below its total (``12/703``).
With ``verbose=2`` there is one line per epoch (`` - 15s - loss: ...``). The final line
of an epoch lists ``name: value`` pairs joined by `` - ``.

Rules:

- a line is rendered as a terminal shows it, ANSI colors and a stray
  leading ``#`` removed;
- the epoch number comes from the header, never from a counter;
- intermediate progress lines (``ETA``, counter below total) are skipped;
- the pairs of all other metric lines of an epoch are merged, a later
  value of a metric winning; a line may carry only some metrics;
- callback messages (``Epoch 00049: val_acc did not improve ...``) and
  any other line without `` - ``-joined pairs are skipped;
- metric lines before the first header belong to the epochs just before
  it (``Epoch 2/30`` first: the lines before are epoch 1);
- a value that is no number raises IngestError, except on the last line
  of the input, which may be cut off: that line is skipped with a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diagnose_api.ingest.limits import RowCounter
from diagnose_api.ingest.parsed import IngestError
from diagnose_api.ingest.parsed import ParsedLog
from diagnose_api.ingest.parsed import shorten
from diagnose_api.ingest.rows import Record
from diagnose_api.ingest.rows import assemble
from diagnose_api.ingest.text import terminal_lines
from diagnose_api.ingest.values import parse_number

NAME = "keras_console"

_HEADER = re.compile(r"Epoch\s+(\d+)\s*/\s*(\d+)")
_STRAY_PREFIX = re.compile(r"^(?:#+\s*)+")
_SEGMENT_SPLIT = re.compile(r"(?:^|\s+)-\s+")
_METRIC_SEGMENT = re.compile(r"([A-Za-z_][\w./@-]*):\s*(\S+)")
_COUNTER = re.compile(r"(\d+)/(\d+)(?:\s|\[|$)")
_DURATION = re.compile(r"\d+(?:\.\d+)?(?:s|ms|us|µs|m|h)\b.*")
_DETECT_HEADER = re.compile(
    r"(?m)^[ \t]*(?:#+[ \t]*)?Epoch[ \t]+\d+[ \t]*/[ \t]*\d+[ \t]*\r?$"
)
_DETECT_BAR = re.compile(r"\d+/\d+[ \t]*(?:\[[=>.]*\]|[━─]+)")
DETECT_CHARS = 256 * 1024


def detect(text: str) -> bool:
    """Return True when the text looks like Keras console output.

    Rule: a Keras progress bar, or an ``Epoch n/m`` header line together
    with a metric line of `` - ``-joined ``name: value`` pairs. A header
    alone is not enough, because PyTorch loops print ``Epoch 3/25`` too.
    Only the first 256 KiB are searched.
    """
    head = text[:DETECT_CHARS]
    if _DETECT_BAR.search(head):
        return True
    if not _DETECT_HEADER.search(head):
        return False
    return any(
        split_metric_line(clean(line), number) is not None
        for number, line in enumerate(terminal_lines(head), start=1)
    )


@dataclass(frozen=True)
class _MetricLine:
    line: int
    pairs: list[tuple[str, str]]
    intermediate: bool


def clean(line: str) -> str:
    """Strip whitespace and a stray leading ``#`` (a pasted comment marker)."""
    return _STRAY_PREFIX.sub("", line.strip()).strip()


def split_metric_line(line: str, number: int) -> _MetricLine | None:
    """Return the ``name: value`` pairs of a Keras metric line, or None.

    A metric line is one whose segments (split on `` - ``) end in one or
    more ``name: value`` pairs, after a progress prefix (counter, bar,
    durations) or none. At least one value must be a number or the line
    must start with a progress prefix; otherwise it is some other message.
    """
    segments = _SEGMENT_SPLIT.split(line)
    first_metric = None
    for index, segment in enumerate(segments):
        match = _METRIC_SEGMENT.fullmatch(segment.strip())
        if match and match.group(1) != "ETA":
            first_metric = index
            break
    if first_metric is None:
        return None
    pairs = []
    for segment in segments[first_metric:]:
        match = _METRIC_SEGMENT.fullmatch(segment.strip())
        if not match:
            return None
        pairs.append((match.group(1), match.group(2)))

    prefix = [segment.strip() for segment in segments[:first_metric]]
    counter = _COUNTER.match(prefix[0]) if prefix else None
    has_progress = counter is not None or any(
        segment == "" or _DURATION.fullmatch(segment) or segment.startswith("ETA:")
        for segment in prefix
    )
    if not has_progress and all(parse_number(value) is None for _, value in pairs):
        return None
    intermediate = any(segment.startswith("ETA:") for segment in prefix) or (
        counter is not None and int(counter.group(1)) < int(counter.group(2))
    )
    return _MetricLine(line=number, pairs=pairs, intermediate=intermediate)


def read(text: str, *, max_rows: int) -> ParsedLog:
    """Read Keras console output into one row per epoch.

    Raises
    ------
    IngestError
        When a metric value is not a number (except on a cut-off last line),
        or the epochs decrease twice in a row.
    """
    counter = RowCounter(max_rows, NAME)
    lines = terminal_lines(text)
    last_number = _last_content_line(lines)
    notes: list[str] = []
    records: list[Record] = []
    pending: list[Record] = []
    current_epoch: float | None = None
    first_header: float | None = None
    epochs_without_metrics: dict[float, int] = {}

    for number, raw in enumerate(lines, start=1):
        line = clean(raw)
        header = _HEADER.fullmatch(line)
        if header:
            current_epoch = float(header.group(1))
            first_header = current_epoch if first_header is None else first_header
            epochs_without_metrics.setdefault(current_epoch, number)
            continue
        metric_line = split_metric_line(line, number)
        if metric_line is None or metric_line.intermediate:
            continue
        values = _parse_values(metric_line, is_last=number == last_number, notes=notes)
        if values is None:
            continue
        counter.add(number)
        if current_epoch is None:
            pending.append(Record(line=number, values=values))
        else:
            epochs_without_metrics.pop(current_epoch, None)
            records.append(Record(line=number, values=values, key=current_epoch))

    records = _number_pending(pending, first_header, notes) + records
    if epochs_without_metrics:
        listed = ", ".join(
            f"{epoch:g} (line {line})" for epoch, line in epochs_without_metrics.items()
        )
        notes.append(
            "epoch headers without a final metrics line were skipped: " + listed
        )
    return assemble(records, format=NAME, notes=notes, merge_same_key=True)


def _last_content_line(lines: list[str]) -> int:
    for number in range(len(lines), 0, -1):
        if lines[number - 1].strip():
            return number
    return 0


def _parse_values(
    metric_line: _MetricLine, *, is_last: bool, notes: list[str]
) -> dict[str, float | None] | None:
    values: dict[str, float | None] = {}
    for name, token in metric_line.pairs:
        value = parse_number(token)
        if value is None:
            if is_last:
                notes.append(
                    f"the last line ({metric_line.line}) is cut off at "
                    f"{name}: {token!r} and was skipped"
                )
                return None
            raise IngestError(
                f"a number after {name + ':'!r}",
                got=shorten(token),
                line=metric_line.line,
                format=NAME,
                fix="Send the console output as Keras printed it; nan and inf "
                "are accepted.",
            )
        values[name] = value
    return values


def _number_pending(
    pending: list[Record], first_header: float | None, notes: list[str]
) -> list[Record]:
    """Give metric lines seen before the first header the epochs before it."""
    if not pending or first_header is None:
        if pending:
            notes.append("the log has no 'Epoch n/m' headers: rows are numbered 1..n")
        return pending
    first_epoch = first_header - len(pending)
    if first_epoch < 1:
        notes.append(
            f"{len(pending)} metrics line(s) before the first header "
            f"'Epoch {first_header:g}/...' were skipped: no epoch number fits them"
        )
        return []
    numbered = (
        f"epoch {first_epoch:g}"
        if len(pending) == 1
        else f"epochs {first_epoch:g} to {first_header - 1:g}"
    )
    notes.append(
        f"metrics before the first header 'Epoch {first_header:g}/...' were "
        f"numbered as {numbered}"
    )
    return [
        Record(line=record.line, values=record.values, key=first_epoch + index)
        for index, record in enumerate(pending)
    ]
