"""Each real history's raw console log parses back to its JSON series."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from diagnose_api.analysis.roles import Role
from diagnose_api.analysis.roles import assign_roles
from diagnose_api.ingest import ParsedLog
from diagnose_api.ingest import read_log

DATA = Path(__file__).resolve().parent.parent / "data"
ROLE_KEYS = {
    Role.TRAIN_LOSS: "loss",
    Role.VAL_LOSS: "val_loss",
    Role.TRAIN_ACCURACY: "accuracy",
    Role.VAL_ACCURACY: "val_accuracy",
}
EXPECTED_FORMATS = {
    "02_se478017_noisy-val-loss-jumps": "pytorch_console",
}
HISTORIES = sorted(
    path
    for path in DATA.glob("*.json")
    if "raw_log" in json.loads(path.read_text(encoding="utf-8"))
)


def _json_value(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        return float(value)  # "NaN", "Infinity"
    return float(value)  # type: ignore[arg-type]


def _printed_decimals(raw_log: str) -> int:
    """Return the minimum number of decimals of the values printed in the log."""
    decimals = [len(match) for match in re.findall(r":\s*-?\d+\.(\d+)", raw_log)]
    return min(decimals)


def _assert_same_values(
    name: str,
    parsed: list[float | None],
    expected: list[object],
    tolerance: float,
) -> None:
    assert len(parsed) == len(expected), name
    for index, (got, want_raw) in enumerate(zip(parsed, expected, strict=True)):
        want = _json_value(want_raw)
        if want is None:
            assert got is None, f"{name}[{index}]"
        elif math.isnan(want):
            assert got is not None and math.isnan(got), f"{name}[{index}]"
        else:
            assert got == pytest.approx(want, abs=tolerance), f"{name}[{index}]"


@pytest.fixture(params=HISTORIES, ids=[path.stem for path in HISTORIES])
def history(request: pytest.FixtureRequest) -> dict[str, object]:
    data = json.loads(request.param.read_text(encoding="utf-8"))
    data["id"] = request.param.stem
    return data


@pytest.fixture
def parsed(history: dict[str, object]) -> ParsedLog:
    return read_log(str(history["raw_log"]))


def test_history_format_detected(history: dict[str, object], parsed: ParsedLog) -> None:
    expected = EXPECTED_FORMATS.get(str(history["id"]), "keras_console")
    assert parsed.format == expected


def test_history_epochs_as_logged(
    history: dict[str, object], parsed: ParsedLog
) -> None:
    expected = [float(epoch) for epoch in history["epochs"]]  # type: ignore[attr-defined]
    assert parsed.epochs == expected


def test_history_role_series_match(
    history: dict[str, object], parsed: ParsedLog
) -> None:
    tolerance = 0.5 * 10.0 ** -_printed_decimals(str(history["raw_log"])) + 1e-12
    roles = assign_roles(list(parsed.series))
    for role, key in ROLE_KEYS.items():
        expected = history[key]
        if expected is None:
            assert role not in roles, key
            continue
        assert role in roles, key
        _assert_same_values(key, parsed.series[roles[role]], expected, tolerance)  # type: ignore[arg-type]


def test_history_other_series_match(
    history: dict[str, object], parsed: ParsedLog
) -> None:
    tolerance = 0.5 * 10.0 ** -_printed_decimals(str(history["raw_log"])) + 1e-12
    other = history["other_metrics"]
    assert isinstance(other, dict)
    role_names = set(assign_roles(list(parsed.series)).values())
    for name, values in parsed.series.items():
        if name in role_names:
            continue
        assert name in other, f"unexpected series {name!r}"
        _assert_same_values(name, values, other[name], tolerance)
