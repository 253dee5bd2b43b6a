"""Malformed input of every format raises IngestError at the right line."""

from __future__ import annotations

import pytest

from diagnose_api.ingest import IngestError
from diagnose_api.ingest import read_log
from malformed_logs import MALFORMED


@pytest.mark.parametrize(
    ("format", "text", "line", "pattern"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_malformed_input_names_line(
    format: str, text: str, line: int | None, pattern: str
) -> None:
    with pytest.raises(IngestError, match=pattern) as raised:
        read_log(text, format=format)

    assert raised.value.line == line
    assert raised.value.format == format


# Inputs too broken to tell their format are left out: detection rightly
# fails on them before any reader runs.
UNDETECTABLE = {
    "keras_console-no-metrics",
    "mlflow_json-invalid-json",
    "mlflow_json-wrong-shape",
    "hf_trainer_state-no-log-history",
}


@pytest.mark.parametrize(
    ("format", "text"),
    [case[1:3] for case in MALFORMED if case[0] not in UNDETECTABLE],
    ids=[case[0] for case in MALFORMED if case[0] not in UNDETECTABLE],
)
def test_malformed_input_detected_format_agrees(format: str, text: str) -> None:
    with pytest.raises(IngestError) as raised:
        read_log(text)

    assert raised.value.format == format


def test_error_message_is_a_sentence_with_fix() -> None:
    with pytest.raises(IngestError) as raised:
        read_log("epoch,loss\n0,abc\n", format="keras_csv")

    message = str(raised.value)
    assert message.startswith("Invalid keras_csv input at line 2: expected a number")
    assert message.endswith("leave the cell empty for a value that was not logged.")
    assert raised.value.expected == "a number in column 'loss'"
    assert raised.value.got == "'abc'"


def test_invalid_utf8_names_line() -> None:
    data = b"epoch,loss\n0,0.5\n1,\xff\n"

    with pytest.raises(
        IngestError, match=r"line 3: expected UTF-8 text, got byte 0xff"
    ):
        read_log(data, format="keras_csv")


def test_tensorboard_text_input_rejected() -> None:
    with pytest.raises(IngestError, match=r"expected the event file's bytes, got text"):
        read_log("brain.Event:2", format="tensorboard")


def test_tensorboard_file_without_scalars() -> None:
    with pytest.raises(IngestError, match=r"expected an event file with scalar"):
        read_log(b"not an event file at all", format="tensorboard")


def test_unknown_format_name() -> None:
    with pytest.raises(IngestError, match=r"expected format to be one of .*got 'csv'"):
        read_log("epoch,loss\n0,0.5\n", format="csv")
