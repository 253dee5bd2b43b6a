"""Epoch order rules shared by every reader: repeats, restarts, limits."""

from __future__ import annotations

import pytest

from diagnose_api.ingest import DEFAULT_MAX_BYTES
from diagnose_api.ingest import DEFAULT_MAX_ROWS
from diagnose_api.ingest import IngestError
from diagnose_api.ingest import read_log

RESTARTS = [
    # (id, keras CSVLogger epochs and losses, kept epochs, kept losses, note)
    ("no-restart", [(0, 0.9), (1, 0.8), (2, 0.7)], [1, 2, 3], [0.9, 0.8, 0.7], None),
    (
        "repeat",
        [(0, 0.9), (1, 0.8), (1, 0.75), (2, 0.7)],
        [1, 2, 3],
        [0.9, 0.75, 0.7],
        "logged twice in a row, first at line 4",
    ),
    (
        "restart-from-scratch",
        [(0, 0.9), (1, 0.8), (0, 0.95), (1, 0.85), (2, 0.7)],
        [1, 2, 3],
        [0.95, 0.85, 0.7],
        "restart at line 4 (epoch 1 follows 2)",
    ),
    (
        "resume-from-checkpoint",
        [(0, 0.9), (1, 0.8), (2, 0.7), (3, 0.6), (2, 0.65), (3, 0.55)],
        [1, 2, 3, 4],
        [0.9, 0.8, 0.65, 0.55],
        "restart at line 6 (epoch 3 follows 4)",
    ),
    (
        "resume-shorter",
        [(0, 0.9), (1, 0.8), (2, 0.7), (3, 0.6), (1, 0.85)],
        [1, 2],
        [0.9, 0.85],
        "restart at line 6",
    ),
]


def _keras_csv(rows: list[tuple[int, float]]) -> str:
    return "epoch,loss\n" + "".join(f"{epoch},{loss}\n" for epoch, loss in rows)


@pytest.mark.parametrize(
    ("rows", "epochs", "losses", "note"),
    [case[1:] for case in RESTARTS],
    ids=[case[0] for case in RESTARTS],
)
def test_restart_keeps_last_occurrence(
    rows: list[tuple[int, float]],
    epochs: list[int],
    losses: list[float],
    note: str | None,
) -> None:
    parsed = read_log(_keras_csv(rows))

    assert parsed.epochs == [float(epoch) for epoch in epochs]
    assert parsed.series["loss"] == losses
    if note is not None:
        assert any(note in text for text in parsed.notes), parsed.notes


@pytest.mark.parametrize(
    ("rows", "line"),
    [
        ([(3, 0.9), (2, 0.8), (1, 0.7)], 4),
        ([(0, 0.9), (5, 0.8), (3, 0.7), (3, 0.6), (1, 0.5)], 6),
    ],
    ids=["reversed", "decrease-after-repeat"],
)
def test_decrease_after_restart_rejected(
    rows: list[tuple[int, float]], line: int
) -> None:
    with pytest.raises(
        IngestError, match=rf"line {line}: expected epochs that increase"
    ):
        read_log(_keras_csv(rows))


def test_limits_have_documented_defaults() -> None:
    assert DEFAULT_MAX_BYTES == 64 * 1024 * 1024
    assert DEFAULT_MAX_ROWS == 1_000_000


@pytest.mark.parametrize(
    "data",
    ["epoch,loss\n" + "0,0.5\n" * 20, ("epoch,loss\n" + "0,0.5\n" * 20).encode()],
    ids=["text", "bytes"],
)
def test_input_over_max_bytes_rejected(data: str | bytes) -> None:
    with pytest.raises(IngestError, match=r"expected at most 100 bytes, got 131 bytes"):
        read_log(data, max_bytes=100)


def test_rows_over_max_rows_rejected_at_line() -> None:
    text = _keras_csv([(epoch, 0.5) for epoch in range(10)])

    with pytest.raises(IngestError, match=r"line 7: expected at most 5 data records"):
        read_log(text, max_rows=5)


@pytest.mark.parametrize(
    ("limit", "value"),
    [("max_bytes", 0), ("max_rows", -1), ("max_rows", 2.5), ("max_bytes", True)],
)
def test_invalid_limit_rejected(limit: str, value: object) -> None:
    with pytest.raises(ValueError, match=rf"{limit} must be a positive integer"):
        read_log("epoch,loss\n0,0.5\n", **{limit: value})  # type: ignore[arg-type]


def test_max_rows_applies_to_json_entries() -> None:
    text = "".join(f'{{"epoch": {epoch}, "loss": 0.5}}\n' for epoch in range(1, 8))

    with pytest.raises(IngestError, match=r"line 4: expected at most 3 data records"):
        read_log(text, max_rows=3)
