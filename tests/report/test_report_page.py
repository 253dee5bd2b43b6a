"""The report page with Flask's test client: the form, reports, and errors."""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask import render_template
from flask.testing import FlaskClient
from marshmallow import ValidationError
from werkzeug.test import encode_multipart

from diagnose_api import create_app
from diagnose_api.analysis.diagnose import diagnose
from diagnose_api.analysis.history import History
from diagnose_api.api.report import parse_pasted
from diagnose_api.api.report import report_context
from histories import request_body
from report_data import OVERFIT

KERAS_HISTORY = request_body(OVERFIT)["history"]
SHORT_HISTORY = {"loss": [1.0, 0.8, 0.7, 0.65], "val_loss": [1.1, 0.9, 0.85, 0.9]}
SHORT_RECORDS = [
    {"epoch": 1, "loss": 1.0, "val_loss": 1.1},
    {"epoch": 2, "loss": 0.8, "val_loss": 0.9},
    {"epoch": 3, "loss": 0.7, "val_loss": 0.85},
    {"epoch": 4, "loss": 0.65, "val_loss": 0.9},
]


def submit(client: FlaskClient, **fields: Any) -> tuple[int, str]:
    response = client.post("/report", data=fields, content_type="multipart/form-data")
    return response.status_code, response.get_data(as_text=True)


def error_items(page: str) -> list[str]:
    """The items of the page's error summary, as text."""
    summary = re.search(r'<section class="error-summary".*?</section>', page, re.S)
    assert summary is not None, "the page has no error summary"
    items = re.findall(r"<li>(.*?)</li>", summary.group(0), re.S)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in items]


def test_form_page_served(client: FlaskClient) -> None:
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<form class="history-form" method="post" action="/report"' in page
    assert 'enctype="multipart/form-data"' in page
    assert '<label for="history_text">' in page
    assert '<label for="history_file">' in page
    assert '<button type="submit" id="submit">Diagnose</button>' in page


def test_form_page_works_offline(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "http://" not in page
    assert "https://" not in page
    assert "<script" not in page
    with client.get("/static/report.css") as stylesheet:
        assert stylesheet.status_code == 200
        assert stylesheet.mimetype == "text/css"
        assert "url(" not in stylesheet.get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "fields"),
    [
        ("get", None),
        ("post", {"history_text": json.dumps(SHORT_HISTORY)}),
        ("post", {}),
    ],
    ids=["form", "report", "error"],
)
def test_pages_forbid_scripts(
    client: FlaskClient, method: str, fields: dict[str, str] | None
) -> None:
    if method == "get":
        response = client.get("/")
    else:
        response = client.post("/report", data=fields)
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy
    assert "img-src 'self' data:" in policy


def test_example_fills_text_box(client: FlaskClient) -> None:
    page = client.get("/?example=1").get_data(as_text=True)
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)
    assert textarea is not None
    assert "val_loss" in textarea.group(1)


def test_pasted_keras_history_reported(client: FlaskClient) -> None:
    status, page = submit(client, history_text=json.dumps(KERAS_HISTORY))
    assert status == 200
    assert '<strong id="status">overfitting</strong>' in page
    assert '<code class="finding-code">val_loss_rising</code>' in page
    assert "<code>early_stopping</code>" in page
    assert "Factors of the risk score" in page


def test_report_plot_is_svg_data_url(client: FlaskClient) -> None:
    _, page = submit(client, history_text=json.dumps(KERAS_HISTORY))
    image = re.search(r'<img id="plot" src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert image is not None
    svg = base64.b64decode(image.group(1)).decode()
    assert ">best epoch 3<" in svg


def test_report_plot_has_text_alternative(client: FlaskClient) -> None:
    _, page = submit(client, history_text=json.dumps(KERAS_HISTORY))
    alt = re.search(r'<img id="plot" src="[^"]+" alt="([^"]+)"', page)
    assert alt is not None
    assert "best epoch 3" in alt.group(1)
    assert "recommended stop epoch " in alt.group(1)


def test_uploaded_file_reported(client: FlaskClient) -> None:
    upload = (io.BytesIO(json.dumps(KERAS_HISTORY).encode()), "history.json")
    status, page = submit(client, history_file=upload)
    assert status == 200
    assert '<strong id="status">overfitting</strong>' in page


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(SHORT_RECORDS),
        json.dumps({"history": SHORT_HISTORY, "epochs": [10, 11, 12, 13]}),
        json.dumps(SHORT_HISTORY) + "\n",
        '{"loss": [1.0, 0.8, NaN, 0.6], "val_loss": [1.1, 0.9, 0.8, Infinity]}',
    ],
    ids=["records", "request-body", "keras", "nan-tokens"],
)
def test_accepted_json_forms(client: FlaskClient, text: str) -> None:
    status, page = submit(client, history_text=text)
    assert status == 200
    assert '<strong id="status">' in page


def test_request_body_options_applied(client: FlaskClient) -> None:
    body = {"history": KERAS_HISTORY, "options": {"patience": 4, "min_delta": 0.01}}
    _, page = submit(client, history_text=json.dumps(body))
    raw = re.search(r'<details class="raw">.*?<code>(.*?)</code>', page, re.S)
    assert raw is not None
    diagnosis = json.loads(html.unescape(raw.group(1)))
    assert diagnosis["early_stopping"]["keras"]["parameters"]["patience"] == 4
    assert diagnosis["early_stopping"]["keras"]["parameters"]["min_delta"] == 0.01


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, "history_text: Paste a history or choose a file, then submit."),
        ({"history_text": "  \n"}, "history_text: Paste a history or choose a file"),
        ({"history_text": '{"loss": [1, 2'}, "history_text: Not valid JSON: Expecting"),
        ({"history_text": "42"}, "history_text: Expected a JSON object of metric name"),
        (
            {"history_text": '{"loss": [1, "x", 2]}'},
            "history.loss[1]: Expected a number",
        ),
        ({"history_text": '{"loss": [1, 0.5]}'}, "history: Only 2 epoch(s)"),
        ({"history_text": '{"lr": [1, 1, 1]}'}, "history: No loss series among [lr]"),
        (
            {"history_text": '{"history": {"loss": [1, 0.5, 0.2]}, "x": 1}'},
            "x: Unknown field",
        ),
        (
            {
                "history_text": '{"history": {"loss": [1, 0.5, 0.2]}, '
                '"options": {"patience": -1}}'
            },
            "options.patience: Must be greater than or equal to 0",
        ),
        (
            {
                "history_text": json.dumps(SHORT_HISTORY),
                "history_file": (io.BytesIO(b"{}"), "h.json"),
            },
            "history_file: Both a pasted history and a file were sent",
        ),
        (
            {"history_file": (io.BytesIO(b"\xff\xfeloss"), "h.json")},
            "history_file: The file is not UTF-8 text (invalid byte at offset 0).",
        ),
        (
            {"history_file": (io.BytesIO(b"epoch,loss\n0,abc\n1,0.5\n"), "log.csv")},
            "history_file: Invalid keras_csv input at line 2",
        ),
    ],
    ids=[
        "nothing",
        "blank",
        "broken-json",
        "number",
        "string-value",
        "two-epochs",
        "no-loss",
        "unknown-field",
        "negative-patience",
        "both-inputs",
        "not-utf8",
        "csv",
    ],
)
def test_invalid_input_shown_with_field_path(
    client: FlaskClient, fields: dict[str, Any], expected: str
) -> None:
    status, page = submit(client, **fields)
    items = error_items(page)
    assert status == 422
    assert any(item.startswith(expected.replace("'", "&#39;")) for item in items), items


LOGS = Path(__file__).resolve().parents[1] / "data" / "logs"


@pytest.mark.parametrize(
    "name",
    ["keras_csvlogger.csv", "keras_console_verbose2.txt", "hf_model_card.md", "lightning_metrics.csv"],
)
def test_pasted_log_file_reported(client: FlaskClient, name: str) -> None:
    status, page = submit(client, history_text=(LOGS / name).read_text())
    assert status == 200, error_items(page) if status == 422 else status
    assert 'class="status' in page


def test_uploaded_trainer_state_reported(client: FlaskClient) -> None:
    content = (LOGS / "hf_run" / "trainer_state.json").read_bytes()
    status, page = submit(client, history_file=(io.BytesIO(content), "trainer_state.json"))
    assert status == 200


def test_error_page_keeps_pasted_text(client: FlaskClient) -> None:
    _, page = submit(client, history_text='{"loss": [1, "x", 2]}')
    assert "{&#34;loss&#34;: [1, &#34;x&#34;, 2]}</textarea>" in page


@pytest.mark.parametrize(
    ("fields", "invalid_id"),
    [
        ({"history_text": '{"loss": [1, "x", 2]}'}, "history_text"),
        ({"history_file": (io.BytesIO(b'{"loss": [1, 2]}'), "h.json")}, "history_file"),
        ({}, "history_text"),
    ],
    ids=["pasted-content", "file-content", "nothing"],
)
def test_error_marks_source_input(
    client: FlaskClient, fields: dict[str, Any], invalid_id: str
) -> None:
    _, page = submit(client, **fields)
    invalid = re.findall(r'id="(history_\w+)"[^>]*aria-invalid="true"', page, re.S)
    assert invalid == [invalid_id]
    assert f'aria-describedby="errors {invalid_id}-hint"' in page


def test_error_page_escapes_input(client: FlaskClient) -> None:
    status, page = submit(client, history_text='{"loss": [1, "<script>x", 2]}')
    assert status == 422
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_pasted_text_above_form_memory_default(client: FlaskClient) -> None:
    # Werkzeug's default cap for a form field is 500 kB; whitespace pads past it.
    text = json.dumps(SHORT_HISTORY) + " " * 600_000
    # Encoded in memory: the test client would spool a body this large to a
    # temporary file that it never closes.
    boundary, body = encode_multipart({"history_text": text})
    response = client.post(
        "/report", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 200


@pytest.fixture()
def small_client(tmp_path: Any) -> Iterator[FlaskClient]:
    app = create_app({"TESTING": True, "MAX_CONTENT_LENGTH": 2_000})
    yield app.test_client()


def test_submission_above_body_limit(small_client: FlaskClient) -> None:
    status, page = submit(small_client, history_text="[" + "1, " * 2_000 + "1]")
    assert status == 413
    assert "exceeds the limit of 2000 bytes" in page


@pytest.mark.parametrize(
    ("text", "filename", "expected"),
    [
        ('{"loss": [1, 2, 3]}', None, {"history": {"loss": [1, 2, 3]}}),
        ('[{"loss": 1}]', "h.json", {"records": [{"loss": 1}]}),
        ('{"records": []}', None, {"records": []}),
        ('{"history": {}, "epochs": [1]}', None, {"history": {}, "epochs": [1]}),
    ],
)
def test_parse_pasted_shapes(text: str, filename: str | None, expected: dict) -> None:
    assert parse_pasted(text, filename) == expected


@pytest.mark.parametrize(
    ("text", "filename", "message"),
    [
        ("", None, "Not valid JSON: Expecting value at line 1, column 1"),
        ("loss\n1\n", "run.CSV", "run.CSV is not valid JSON."),
        ('"loss"', None, "got the string 'loss'"),
        ("null", "h.json", "got NoneType None"),
    ],
)
def test_parse_pasted_rejects(text: str, filename: str | None, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        parse_pasted(text, filename)


def test_report_renders_from_any_history(app: Flask) -> None:
    history = History.from_lists(
        {"val_loss": [0.9, 0.7, 0.6, 0.55, 0.52]}, epochs=[2, 4, 6, 8, 10]
    )
    diagnosis = diagnose(history)
    with app.test_request_context():
        page = render_template(
            "report.html", **report_context(history, diagnosis, smoothing=0.0)
        )
    assert f'<strong id="status">{diagnosis.status.value}</strong>' in page
    assert "Training and validation loss by epoch" in page
