"""Read scalars from a TensorBoard event file with the ``tensorboard`` package.

Event files (``events.out.tfevents.*``) are TFRecord files of ``Event``
protocol buffers; the first record names the file version
(``brain.Event:2``). ``EventAccumulator`` reads them, dropping events
orphaned by a restart the way TensorBoard does. Scalars written as
``simple_value`` (``torch.utils.tensorboard``, TensorBoardX) and as scalar
tensors (``tf.summary.scalar`` in TensorFlow 2) are read.

Rows are the logged steps in increasing order. Each tag is a series under
its tag name (``train/loss``, ``val/loss``), with None at the steps where
it was not logged. The ``tensorboard`` package is an optional extra:
``pip install diagnose-api[tensorboard]``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from diagnose_api.ingest.limits import RowCounter
from diagnose_api.ingest.parsed import IngestError
from diagnose_api.ingest.parsed import ParsedLog
from diagnose_api.ingest.rows import Record
from diagnose_api.ingest.rows import assemble

NAME = "tensorboard"
FILE_VERSION_MARKER = b"brain.Event:"
STEP_NOTE = (
    "TensorBoard scalars have steps, not epochs: there is one row per logged "
    "step, and epochs are numbered 1..n"
)


def detect(data: bytes, filename: str | None = None) -> bool:
    """Return True for an event file: its first record names ``brain.Event:``.

    A file name containing ``tfevents`` is enough too.
    """
    if filename is not None and "tfevents" in Path(filename).name:
        return True
    return FILE_VERSION_MARKER in data[:128]


def _event_accumulator() -> Any:
    try:
        from tensorboard.backend.event_processing import event_accumulator
    except ImportError:
        raise IngestError(
            "the 'tensorboard' package to read event files",
            got="a Python environment without it",
            format=NAME,
            fix="Install it with `pip install diagnose-api[tensorboard]`, or "
            "export the scalars as CSV from TensorBoard.",
        ) from None
    return event_accumulator


def read(data: bytes, *, max_rows: int) -> ParsedLog:
    """Read every scalar tag of an event file into one row per step.

    Raises
    ------
    IngestError
        When the ``tensorboard`` package is missing, or the file contains no
        scalar events.
    """
    module = _event_accumulator()
    with tempfile.TemporaryDirectory(prefix="diagnose-api-") as folder:
        path = Path(folder) / "events.out.tfevents.upload"
        path.write_bytes(data)
        return read_file(path, max_rows=max_rows, module=module)


def read_file(path: Path, *, max_rows: int, module: Any = None) -> ParsedLog:
    """Read an event file (or a folder of them) from disk into one row per step."""
    module = module or _event_accumulator()
    accumulator = module.EventAccumulator(
        str(path), size_guidance={module.SCALARS: 0, module.TENSORS: 0}
    )
    # NOTE: a cut-off or corrupt event file is read up to its first bad record
    # without an error, because EventAccumulator treats the file as one still
    # being written. The rows after that record are then missing unnoticed.
    accumulator.Reload()
    tags = accumulator.Tags()

    counter = RowCounter(max_rows, NAME)
    points: dict[int, dict[str, float | None]] = {}
    for tag in tags.get("scalars", []):
        events = accumulator.Scalars(tag)
        counter.add(None, len(events))
        for event in events:
            points.setdefault(int(event.step), {})[tag] = float(event.value)
    for tag in tags.get("tensors", []):
        events = accumulator.Tensors(tag)
        counter.add(None, len(events))
        for event in events:
            value = _scalar_tensor(event.tensor_proto)
            if value is not None:
                points.setdefault(int(event.step), {})[tag] = value

    if not points:
        raise IngestError(
            "an event file with scalar summaries",
            got="a file without any",
            format=NAME,
            fix="Send an events.out.tfevents.* file written with add_scalar or "
            "tf.summary.scalar.",
        )

    records = [
        Record(line=None, values=values, key=float(step))
        for step, values in sorted(points.items())
    ]
    return assemble(records, format=NAME, notes=[STEP_NOTE], key_name="step")


def _scalar_tensor(proto: Any) -> float | None:
    """Return the value of a scalar float tensor, or None for any other tensor."""
    from tensorboard.util import tensor_util

    array = tensor_util.make_ndarray(proto)
    if array.ndim != 0 or array.dtype.kind not in "fiu":
        return None
    return float(array)
