"""Read epoch summaries printed by hand-written PyTorch training loops.

Recognized layouts, one epoch per line or one header line per epoch::

    Epoch 3 | train loss 0.41 | val loss 0.52
    epoch [3]: training loss: 2.27 - acc: 0.50 - val_loss: 3.29
    Epoch: 3, Train Loss: 0.41, Val Acc: 85.3%
    epoch=3 loss=0.41 val_loss=0.52

    Epoch 3/25
    ----------
    train Loss: 0.41 Acc: 0.85
    val Loss: 0.52 Acc: 0.80

Rules:

- an epoch marker is the word ``epoch`` followed by a number, optionally
  ``:``, ``=``, brackets and ``/total``; its number is the row's epoch;
- pairs are ``name: value`` or ``name=value`` anywhere in the line. A
  whole segment ``name value`` between ``|``, ``,``, ``;``, tabs or
  `` - `` is a pair too. Names may have several words;
- names become snake_case: lower case, words joined by ``_``, a leading
  ``training`` read as ``train`` and ``validation`` or ``valid`` as
  ``val`` (``Valid Acc`` is ``val_acc``); a line that starts with a phase
  word (``train``, ``val``, ...) and no epoch marker gives it to the
  names on the line that have none (``val Loss: 0.5 Acc: 0.8`` is ``val_loss`` and ``val_acc``);
- a value printed with ``%`` is divided by 100;
- lines without a marker count for the current epoch when its marker line
  had no pairs, or when they start with a phase word; other lines, and
  per-step lines (``Step [100/600]``, tqdm bars), are skipped;
- a value that is no number raises IngestError when the name is a known
  metric (its direction is known, as for ``loss`` or ``acc``), except on
  the last line, which may be cut off and is then skipped with a note.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from diagnose_api.analysis.roles import direction_of
from diagnose_api.ingest.limits import RowCounter
from diagnose_api.ingest.parsed import IngestError
from diagnose_api.ingest.parsed import ParsedLog
from diagnose_api.ingest.parsed import shorten
from diagnose_api.ingest.rows import Record
from diagnose_api.ingest.rows import assemble
from diagnose_api.ingest.text import terminal_lines
from diagnose_api.ingest.values import NUMBER_PATTERN
from diagnose_api.ingest.values import parse_number

NAME = "pytorch_console"

_EPOCH_MARKER = re.compile(
    r"(?<![\w])epoch\s*(?:[:=#]\s*)?[\[(]?\s*(\d+(?:\.\d+)?)(?:\s*/\s*\d+)?\s*[\])]?\s*:?",
    re.IGNORECASE,
)
_STEP_MARKER = re.compile(
    r"(?<![\w])(?:step|batch|iter|iteration)\s*[:=#]?\s*[\[(]?\s*\d+\s*/\s*\d+",
    re.IGNORECASE,
)
_TQDM = re.compile(r"\d+%\|.*\|\s*\d+/\d+|it/s\]|s/it\]")
_NAME = r"[A-Za-z][\w./@-]*(?:[ \t]+[A-Za-z][\w./@-]*)*"
_EXPLICIT_PAIR = re.compile(
    rf"(?<![\w.])(?P<name>{_NAME})[ \t]*[:=][ \t]*(?P<value>[^\s,|;]+)"
)
_SPACED_PAIR = re.compile(rf"(?P<name>{_NAME})[ \t]+(?P<value>{NUMBER_PATTERN}%?)")
_SEGMENT_SPLIT = re.compile(r"[|,;\t]|\s+-\s+")
_PHASES = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "eval": "eval",
}
_PHASE_START = re.compile(
    r"^\W*(train|training|val|valid|validation|eval)\b", re.IGNORECASE
)
DETECT_LINES = 2000


def detect(text: str) -> bool:
    """Return True when a line of the first 2,000 has an epoch marker and pairs.

    The pairs may sit on the marker's line or on one of the next 3 lines.
    """
    lines = text.splitlines()[:DETECT_LINES]
    for index, line in enumerate(lines):
        marker = _EPOCH_MARKER.search(line)
        if marker is None:
            continue
        rest = line[: marker.start()] + " | " + line[marker.end() :]
        following = lines[index + 1 : index + 4]
        if any(_find_pairs(candidate) for candidate in [rest, *following]):
            return True
    return False


@dataclass(frozen=True)
class _Pair:
    name: str
    token: str


@functools.lru_cache(maxsize=1024)
def normalize_name(name: str, phase: str | None = None) -> str:
    """Return the snake_case name, with ``phase`` added when it has none."""
    words = [word for word in re.split(r"[\s_\-]+", name.strip().lower()) if word]
    if words and words[0] in _PHASES:
        words[0] = _PHASES[words[0]]
    elif phase is not None:
        words.insert(0, phase)
    return "_".join(words)


def _find_pairs(text: str) -> list[_Pair]:
    """Return the pairs of each segment: explicit ones, else one spaced pair."""
    pairs = []
    for segment in _SEGMENT_SPLIT.split(text):
        explicit = [
            _Pair(match.group("name"), match.group("value"))
            for match in _EXPLICIT_PAIR.finditer(segment)
        ]
        if explicit:
            pairs.extend(explicit)
            continue
        match = _SPACED_PAIR.fullmatch(segment.strip())
        if match:
            pairs.append(_Pair(match.group("name"), match.group("value")))
    return pairs


def read(text: str, *, max_rows: int) -> ParsedLog:
    """Read printed epoch summaries into one row per epoch.

    Raises
    ------
    IngestError
        When a known metric has a value that is not a number (except on a
        cut-off last line), or the epochs decrease twice in a row.
    """
    counter = RowCounter(max_rows, NAME)
    lines = terminal_lines(text)
    last_number = max(
        (number for number, line in enumerate(lines, start=1) if line.strip()),
        default=0,
    )
    notes: list[str] = []
    records: list[Record] = []
    current_epoch: float | None = None
    header_style = False
    n_step_lines = 0
    percent_names: dict[str, None] = {}

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if _STEP_MARKER.search(line) or _TQDM.search(line):
            n_step_lines += 1
            continue
        marker = _EPOCH_MARKER.search(line)
        if marker is not None:
            current_epoch = float(marker.group(1))
            rest = line[: marker.start()] + " | " + line[marker.end() :]
        elif current_epoch is not None and (header_style or _PHASE_START.match(line)):
            rest = line
        else:
            continue
        # A phase word at the start of a line without marker names the split
        # for the whole line ("val Loss: 0.5 Acc: 0.8").
        phase_match = _PHASE_START.match(rest) if marker is None else None
        phase = _PHASES[phase_match.group(1).lower()] if phase_match else None
        values = _parse_pairs(
            _find_pairs(rest),
            phase=phase,
            line=number,
            is_last=number == last_number,
            notes=notes,
            percent_names=percent_names,
        )
        if marker is not None:
            header_style = not values
        if values:
            counter.add(number)
            records.append(Record(line=number, values=values, key=current_epoch))

    if percent_names:
        notes.append(
            "values printed with % were divided by 100: " + ", ".join(percent_names)
        )
    if n_step_lines:
        notes.append(f"{n_step_lines} per-step progress line(s) were skipped")
    return assemble(records, format=NAME, notes=notes, merge_same_key=True)


def _parse_pairs(
    pairs: list[_Pair],
    *,
    phase: str | None,
    line: int,
    is_last: bool,
    notes: list[str],
    percent_names: dict[str, None],
) -> dict[str, float | None]:
    values: dict[str, float | None] = {}
    for pair in pairs:
        name = normalize_name(pair.name, phase)
        token = pair.token.rstrip(":")
        percent = token.endswith("%")
        value = parse_number(token.removesuffix("%"))
        if value is None:
            if direction_of(name) is None:
                continue
            if is_last:
                notes.append(
                    f"the last line ({line}) is cut off at {pair.name}: "
                    f"{pair.token!r} and was skipped"
                )
                return {}
            raise IngestError(
                f"a number after {pair.name + ':'!r}",
                got=shorten(pair.token),
                line=line,
                format=NAME,
                fix="Print the metric as a plain number (nan and inf are "
                "accepted), or pass the format of the logger that wrote the "
                "file.",
            )
        if percent:
            value /= 100.0
            percent_names[name] = None
        values[name] = value
    return values
