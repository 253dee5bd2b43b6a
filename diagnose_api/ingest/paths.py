"""Read a log from disk: a file, or a training output folder.

Folder rules, first match wins:

1. a Hugging Face Trainer output folder: its ``trainer_state.json``, or
   when it has none, the one in the ``checkpoint-<step>`` folder with the
   highest step. The ``checkpoint-*`` folder names found go to
   ``meta["checkpoints"]``, in step order;
2. a folder with TensorBoard event files (``*tfevents*``), read together
   by ``EventAccumulator``;
3. a folder with a Lightning ``metrics.csv``.
"""

from __future__ import annotations

import re
from pathlib import Path

from diagnose_api.ingest import tensorboard
from diagnose_api.ingest.detection import read_log
from diagnose_api.ingest.limits import DEFAULT_MAX_BYTES
from diagnose_api.ingest.limits import DEFAULT_MAX_ROWS
from diagnose_api.ingest.limits import check_limits
from diagnose_api.ingest.limits import check_size
from diagnose_api.ingest.parsed import IngestError
from diagnose_api.ingest.parsed import ParsedLog

TRAINER_STATE = "trainer_state.json"
_CHECKPOINT = re.compile(r"checkpoint-(\d+)")


def read_path(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> ParsedLog:
    """Read the log at ``path``, a file or a training output folder.

    A file is read with ``read_log`` and format detection. For folders see
    the module rules. Limits are those of ``read_log``.

    Raises
    ------
    IngestError
        When the path does not exist, a folder contains no known log, the file
        is over ``max_bytes``, or the log is malformed.
    """
    check_limits(max_bytes, max_rows)
    path = Path(path)
    if path.is_file():
        return _read_file(path, max_bytes=max_bytes, max_rows=max_rows)
    if not path.is_dir():
        raise IngestError(
            "an existing file or folder",
            got=repr(str(path)),
            fix="Check the path.",
        )

    checkpoints = _checkpoints(path)
    state = path / TRAINER_STATE
    if state.is_file() or checkpoints:
        return _read_trainer_output(
            path, checkpoints, max_bytes=max_bytes, max_rows=max_rows
        )
    event_files = sorted(path.glob("*tfevents*"))
    if event_files:
        for event_file in event_files:
            check_size(event_file.stat().st_size, max_bytes)
        return tensorboard.read_file(path, max_rows=max_rows)
    metrics = path / "metrics.csv"
    if metrics.is_file():
        return _read_file(metrics, max_bytes=max_bytes, max_rows=max_rows)
    raise IngestError(
        f"a {TRAINER_STATE}, checkpoint-* folders, TensorBoard event files or "
        "a metrics.csv in the folder",
        got=repr(str(path)),
        fix="Pass the log file itself, or the output folder the training run wrote.",
    )


def _read_file(path: Path, *, max_bytes: int, max_rows: int) -> ParsedLog:
    check_size(path.stat().st_size, max_bytes)
    return read_log(
        path.read_bytes(), filename=path.name, max_bytes=max_bytes, max_rows=max_rows
    )


def _checkpoints(folder: Path) -> list[tuple[int, Path]]:
    """Return the ``checkpoint-<step>`` subfolders, sorted by step."""
    found = []
    for child in folder.iterdir():
        match = _CHECKPOINT.fullmatch(child.name)
        if match and child.is_dir():
            found.append((int(match.group(1)), child))
    return sorted(found)


def _read_trainer_output(
    folder: Path,
    checkpoints: list[tuple[int, Path]],
    *,
    max_bytes: int,
    max_rows: int,
) -> ParsedLog:
    state = folder / TRAINER_STATE
    note = None
    if not state.is_file():
        with_state = [
            (step, child)
            for step, child in checkpoints
            if (child / TRAINER_STATE).is_file()
        ]
        if not with_state:
            raise IngestError(
                f"a {TRAINER_STATE} in the folder or in one of its checkpoint-* "
                "folders",
                got=f"{len(checkpoints)} checkpoint folder(s) without one",
                fix="Pass the output_dir of a Trainer run that saved at least "
                "one checkpoint.",
            )
        _, latest = with_state[-1]
        state = latest / TRAINER_STATE
        note = (
            f"read {latest.name}/{TRAINER_STATE}, the latest checkpoint's, "
            f"because the folder has no {TRAINER_STATE} of its own"
        )
    parsed = _read_file(state, max_bytes=max_bytes, max_rows=max_rows)
    meta = dict(parsed.meta)
    meta["checkpoints"] = [child.name for _, child in checkpoints]
    notes = parsed.notes + ((note,) if note else ())
    return ParsedLog(
        series=parsed.series,
        epochs=parsed.epochs,
        steps=parsed.steps,
        format=parsed.format,
        notes=notes,
        meta=meta,
    )
