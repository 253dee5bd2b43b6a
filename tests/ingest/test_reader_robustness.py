"""Any input, however broken, gives a ParsedLog or an IngestError."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from diagnose_api.ingest import FORMATS
from diagnose_api.ingest import IngestError
from diagnose_api.ingest import read_log

DATA = Path(__file__).resolve().parent.parent / "data"
TEXT_SAMPLES = [
    path.read_text(encoding="utf-8")
    for path in sorted((DATA / "logs").rglob("*"))
    if path.is_file() and "tfevents" not in path.name
] + [
    json.loads(path.read_text(encoding="utf-8"))["raw_log"]
    for path in sorted(DATA.glob("[0-9]*.json"))
]
TEXT_FORMATS = [name for name in FORMATS if name != "tensorboard"]
NOISE = st.text(alphabet='0123456789.,:-|{}[]"\n\r\b eNa/#', max_size=4)


@st.composite
def mutated_logs(draw: st.DrawFn) -> str:
    """A real log with a few characters deleted or inserted, or cut short."""
    text = draw(st.sampled_from(TEXT_SAMPLES))
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        position = draw(st.integers(min_value=0, max_value=len(text)))
        if draw(st.booleans()):
            text = text[:position] + text[position + 1 :]
        else:
            text = text[:position] + draw(NOISE) + text[position:]
    if draw(st.booleans()):
        text = text[: draw(st.integers(min_value=0, max_value=len(text)))]
    return text


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=mutated_logs(), format=st.sampled_from([None, *TEXT_FORMATS]))
def test_mutated_log_reads_or_raises_ingest_error(
    text: str, format: str | None
) -> None:
    try:
        parsed = read_log(text, format=format)
    except IngestError as error:
        assert str(error).startswith("Invalid ")
        return

    assert parsed.format in FORMATS
    assert all(len(values) == parsed.n_rows for values in parsed.series.values())
