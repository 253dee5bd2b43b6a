"""The /v1/runs routes through the Flask test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import math
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask.testing import FlaskClient
from openapi_check import check_response
from openapi_check import load_openapi
from runs_support import U_SHAPED
from runs_support import close_store
from runs_support import epoch_objects
from runs_support import make_app
from runs_support import post_json

from diagnose_api.analysis.stop_rules import simulate_keras


@pytest.fixture(scope="module")
def openapi() -> Any:
    return load_openapi()


def create_run(client: FlaskClient, **body: Any) -> dict[str, Any]:
    response = post_json(client, "/v1/runs", body)
    assert response.status_code == 201, response.get_json()
    run: dict[str, Any] = response.get_json()
    return run


def append(client: FlaskClient, run_id: str, body: Any) -> Any:
    return post_json(client, f"/v1/runs/{run_id}/epochs", body)


def stored_epochs(client: FlaskClient, run_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/runs/{run_id}")
    assert response.status_code == 200
    epochs: list[dict[str, Any]] = response.get_json()["epochs"]
    return epochs


def test_create_run_returns_location(runs_client: FlaskClient, openapi: Any) -> None:
    body = {"name": "mlp", "tags": ["digits", "small"], "options": {"patience": 2}}
    response = post_json(runs_client, "/v1/runs", body)
    run = response.get_json()
    assert response.status_code == 201
    assert response.headers["Location"] == f"/v1/runs/{run['id']}"
    assert uuid.UUID(hex=run["id"]).version == 4
    assert run["name"] == "mlp"
    assert run["tags"] == ["digits", "small"]
    assert run["options"] == {"patience": 2}
    check_response(openapi, response)


def test_get_run_lists_epochs(runs_client: FlaskClient, openapi: Any) -> None:
    run = create_run(runs_client, name="mlp")
    append(runs_client, run["id"], {"epochs": epoch_objects(U_SHAPED)[:3]})
    response = runs_client.get(f"/v1/runs/{run['id']}")
    body = response.get_json()
    assert response.status_code == 200
    assert body["n_epochs"] == 3
    assert body["last_epoch"] == 3
    assert body["epochs"][0] == {"epoch": 1.0, "loss": 1.2, "val_loss": 1.0}
    check_response(openapi, response)


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        ({"nmae": "x"}, "nmae", "Unknown field"),
        ({"tags": ["a", "a"]}, "tags[1]", "occurs twice"),
        ({"tags": [""]}, "tags[0]", "Length must be between"),
        ({"name": ""}, "name", "Length must be between"),
        ({"options": {"patience": -1}}, "options.patience", "greater than or equal"),
        ({"options": {"monitor": "f1_macro"}}, "options.mode", "set mode to 'min'"),
        ({"options": {"paitence": 3}}, "options.paitence", "Unknown option"),
    ],
)
def test_create_run_rejects_invalid_body(
    runs_client: FlaskClient, body: dict[str, Any], path: str, message: str
) -> None:
    response = post_json(runs_client, "/v1/runs", body)
    problem = response.get_json()
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert message in problem["errors"][path][0]


def test_append_single_epoch(runs_client: FlaskClient, openapi: Any) -> None:
    run = create_run(runs_client)
    response = append(
        runs_client, run["id"], {"epoch": 1, "loss": 0.9, "val_loss": 1.0}
    )
    assert response.status_code == 200
    assert response.get_json() == {
        "run_id": run["id"],
        "inserted": [1.0],
        "unchanged": [],
    }
    check_response(openapi, response)


def test_reappend_same_values_unchanged(runs_client: FlaskClient) -> None:
    run = create_run(runs_client)
    epochs = epoch_objects(U_SHAPED)[:4]
    append(runs_client, run["id"], {"epochs": epochs[:2]})
    response = append(runs_client, run["id"], {"epochs": epochs})
    assert response.status_code == 200
    assert response.get_json()["inserted"] == [3.0, 4.0]
    assert response.get_json()["unchanged"] == [1.0, 2.0]
    assert len(stored_epochs(runs_client, run["id"])) == 4


def test_conflicting_epoch_is_409(runs_client: FlaskClient, openapi: Any) -> None:
    run = create_run(runs_client)
    append(runs_client, run["id"], {"epoch": 3, "loss": 0.7, "val_loss": 0.65})
    sent = {
        "epochs": [
            {"epoch": 4, "loss": 0.6},
            {"epoch": 3, "loss": 0.7, "val_loss": 0.61},
        ]
    }
    response = append(runs_client, run["id"], sent)
    problem = response.get_json()
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert "Epoch 3 is already stored" in problem["detail"]
    assert "val_loss stored 0.65, sent 0.61" in problem["detail"]
    assert problem["errors"] == {
        "epochs[1].val_loss": ["Epoch 3: val_loss stored 0.65, sent 0.61."]
    }
    check_response(openapi, response)


def test_conflict_writes_nothing(runs_client: FlaskClient) -> None:
    run = create_run(runs_client)
    append(runs_client, run["id"], {"epoch": 3, "loss": 0.7})
    sent = {"epochs": [{"epoch": 4, "loss": 0.6}, {"epoch": 3, "loss": 0.71}]}
    assert append(runs_client, run["id"], sent).status_code == 409
    assert [row["epoch"] for row in stored_epochs(runs_client, run["id"])] == [3.0]


def test_conflict_names_missing_metric(runs_client: FlaskClient) -> None:
    run = create_run(runs_client)
    append(runs_client, run["id"], {"epoch": 2, "loss": 0.7, "val_loss": 0.8})
    response = append(runs_client, run["id"], {"epoch": 2, "loss": 0.7})
    problem = response.get_json()
    assert response.status_code == 409
    assert problem["errors"] == {
        "val_loss": ["Epoch 2: val_loss stored 0.8, sent absent."]
    }


def test_out_of_order_appends_sorted(runs_client: FlaskClient) -> None:
    run = create_run(runs_client)
    epochs = epoch_objects(U_SHAPED)[:5]
    for index in (4, 0, 2):
        append(runs_client, run["id"], epochs[index])
    append(runs_client, run["id"], {"epochs": [epochs[3], epochs[1]]})
    assert stored_epochs(runs_client, run["id"]) == [
        {key: float(value) for key, value in epoch.items()} for epoch in epochs
    ]


def test_nan_values_stored_and_reported(runs_client: FlaskClient, openapi: Any) -> None:
    run = create_run(runs_client)
    history: dict[str, list[float | None]] = {
        "loss": [0.9, 0.7, math.nan, 0.5],
        "val_loss": [1.0, math.inf, 0.8, None],
    }
    body = {"epochs": epoch_objects(history)}
    assert b"NaN" in json.dumps(body).encode()
    assert append(runs_client, run["id"], body).status_code == 200

    resent = append(
        runs_client, run["id"], {"epoch": 3, "loss": math.nan, "val_loss": 0.8}
    )
    assert resent.get_json()["unchanged"] == [3.0]

    epochs = stored_epochs(runs_client, run["id"])
    assert epochs[2] == {"epoch": 3.0, "loss": None, "val_loss": 0.8}
    response = runs_client.get(f"/v1/runs/{run['id']}/diagnosis")
    diagnosis = response.get_json()["diagnosis"]
    non_finite = [f for f in diagnosis["findings"] if f["code"] == "non_finite"]
    assert response.status_code == 200
    assert non_finite[0]["evidence"]["first_epoch"] == 2
    check_response(openapi, response)


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        ({"loss": 0.5}, "epoch", "Missing epoch number"),
        ({"epoch": "3", "loss": 0.5}, "epoch", "got the string '3'"),
        ({"epoch": True, "loss": 0.5}, "epoch", "got the boolean true"),
        ({"epoch": 3}, "_schema", "The epoch has no metric"),
        ({"epoch": 3, "loss": "0.5"}, "loss", "send numbers unquoted"),
        ({"epoch": 3, "loss": [0.5]}, "loss", "got a nested list"),
        ({"epoch": 3, "  ": 0.5}, "  ", "Metric names must be 1 to 200"),
        ({"epochs": []}, "epochs", "Shorter than minimum length 1"),
        (
            {"epochs": [{"epoch": 1, "loss": 1}, {"epoch": 1.0, "loss": 1}]},
            "epochs[1].epoch",
            "occurs twice in this request, also at epochs[0]",
        ),
        (
            {"epochs": [{"epoch": 1, "loss": True}]},
            "epochs[0].loss",
            "got the boolean true",
        ),
        ({"epochs": [{"epoch": 1, "loss": 1}], "loss": 2}, "loss", "Unknown field"),
        ([{"epoch": 1, "loss": 1}], "_schema", "Expected an epoch object"),
    ],
)
def test_append_rejects_invalid_body(
    runs_client: FlaskClient, body: Any, path: str, message: str
) -> None:
    run = create_run(runs_client)
    response = append(runs_client, run["id"], body)
    problem = response.get_json()
    assert response.status_code == 422
    assert message in problem["errors"][path][0]
    assert stored_epochs(runs_client, run["id"]) == []


def test_non_finite_epoch_rejected(runs_client: FlaskClient) -> None:
    run = create_run(runs_client)
    response = append(runs_client, run["id"], {"epoch": math.nan, "loss": 0.5})
    assert response.status_code == 422
    assert "Epoch numbers must be finite" in response.get_json()["errors"]["epoch"][0]


@pytest.mark.parametrize("n_epochs", [0, 1, 2])
def test_diagnosis_needs_three_epochs(
    runs_client: FlaskClient, openapi: Any, n_epochs: int
) -> None:
    run = create_run(runs_client, options={"patience": 0})
    # Epoch 2 is worse than epoch 1, so patience 0 would stop there.
    for epoch in epoch_objects({"val_loss": [1.0, 1.1]})[:n_epochs]:
        append(runs_client, run["id"], epoch)
    response = runs_client.get(f"/v1/runs/{run['id']}/diagnosis")
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "insufficient_data"
    assert body["should_stop"] is False
    assert body["diagnosis"] is None
    assert body["n_epochs"] == n_epochs
    check_response(openapi, response)


# U_SHAPED's val_loss is best at epoch 4 and rises from epoch 5 on. With
# min_delta 0.06 the drop from 0.65 to 0.6 is no improvement, so the best
# epoch is 3. Keras stops at the first non-improving epoch with
# wait >= patience, and wait counts from the best epoch.
@pytest.mark.parametrize(
    ("options", "stop_epoch", "restore_epoch"),
    [
        ({"patience": 0}, 5, 4),
        ({"patience": 1}, 5, 4),
        ({"patience": 2}, 6, 4),
        ({"patience": 4}, 8, 4),
        ({"patience": 2, "min_delta": 0.06}, 5, 3),
        ({"patience": 2, "start_from_epoch": 5}, 8, 6),
        ({"patience": 6}, 10, 4),
        ({"patience": 7}, None, 4),
    ],
)
def test_should_stop_at_rule_epoch(
    runs_client: FlaskClient,
    options: dict[str, Any],
    stop_epoch: int | None,
    restore_epoch: int,
) -> None:
    run = create_run(runs_client, options=options)
    decisions = []
    for epoch in epoch_objects(U_SHAPED):
        append(runs_client, run["id"], epoch)
        decisions.append(runs_client.get(f"/v1/runs/{run['id']}/diagnosis").get_json())

    stopping = [body["n_epochs"] for body in decisions if body["should_stop"]]
    expected = [] if stop_epoch is None else list(range(stop_epoch, 11))
    assert stopping == expected
    assert decisions[-1]["restore_epoch"] == restore_epoch
    assert decisions[-1]["stopped_epoch"] == stop_epoch


def test_should_stop_matches_replay(runs_client: FlaskClient) -> None:
    run = create_run(runs_client, options={"patience": 2})
    append(runs_client, run["id"], {"epochs": epoch_objects(U_SHAPED)})
    body = runs_client.get(f"/v1/runs/{run['id']}/diagnosis").get_json()
    replay = simulate_keras(np.array(U_SHAPED["val_loss"]), mode="min", patience=2)
    assert replay.stopped_index is not None
    assert body["stopped_epoch"] == replay.stopped_index + 1
    assert body["stop_reason"] == "patience_exhausted"
    assert body["status"] == body["diagnosis"]["status"] == "overfitting"
    assert "stops after epoch 6" in body["message"]


def test_monitor_missing_is_409(runs_client: FlaskClient, openapi: Any) -> None:
    run = create_run(runs_client, options={"monitor": "val_accuracy"})
    append(runs_client, run["id"], {"epochs": epoch_objects(U_SHAPED)})
    response = runs_client.get(f"/v1/runs/{run['id']}/diagnosis")
    problem = response.get_json()
    assert response.status_code == 409
    assert "'val_accuracy' is not a series" in problem["errors"]["options.monitor"][0]
    check_response(openapi, response)


ROUTES = [
    ("get", ""),
    ("delete", ""),
    ("get", "/diagnosis"),
    ("get", "/plot"),
    ("post", "/epochs"),
]


def request_run(client: FlaskClient, method: str, run_id: str, suffix: str) -> Any:
    kwargs = {"json": {"epoch": 1, "loss": 1.0}} if method == "post" else {}
    return getattr(client, method)(f"/v1/runs/{run_id}{suffix}", **kwargs)


@pytest.mark.parametrize(("method", "suffix"), ROUTES)
def test_unknown_run_is_404(runs_client: FlaskClient, method: str, suffix: str) -> None:
    run_id = uuid.uuid4().hex
    response = request_run(runs_client, method, run_id, suffix)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert f"Run '{run_id}' not found" in response.get_json()["detail"]


@pytest.mark.parametrize(("method", "suffix"), ROUTES)
@pytest.mark.parametrize(
    "run_id",
    ["not-a-run", uuid.uuid1().hex, str(uuid.uuid4()), uuid.uuid4().hex.upper()],
)
def test_malformed_run_id_is_404(
    client: FlaskClient, method: str, suffix: str, run_id: str
) -> None:
    response = request_run(client, method, run_id, suffix)
    assert response.status_code == 404
    assert "run ids are the 32 lowercase hexadecimal" in response.get_json()["detail"]


def test_delete_removes_run(runs_client: FlaskClient, openapi: Any) -> None:
    run = create_run(runs_client)
    append(runs_client, run["id"], {"epochs": epoch_objects(U_SHAPED)})
    response = runs_client.delete(f"/v1/runs/{run['id']}")
    assert response.status_code == 204
    assert response.get_data() == b""
    check_response(openapi, response)
    assert runs_client.get(f"/v1/runs/{run['id']}").status_code == 404
    assert runs_client.delete(f"/v1/runs/{run['id']}").status_code == 404
    assert append(runs_client, run["id"], {"epoch": 11, "loss": 0.1}).status_code == 404


def test_list_pages_newest_first(runs_client: FlaskClient, openapi: Any) -> None:
    created = [create_run(runs_client, name=f"run-{index}")["id"] for index in range(5)]
    listed: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": 2} if cursor is None else {"limit": 2, "cursor": cursor}
        response = runs_client.get("/v1/runs", query_string=query)
        check_response(openapi, response)
        page = response.get_json()
        listed += [run["id"] for run in page["runs"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert listed == created[::-1]


def test_list_filters_by_tag(runs_client: FlaskClient) -> None:
    tagged = [
        create_run(runs_client, tags=["sweep-7", f"lr-{i}"])["id"] for i in range(3)
    ]
    create_run(runs_client, tags=["sweep-8"])
    create_run(runs_client)
    body = runs_client.get("/v1/runs?tag=sweep-7").get_json()
    assert [run["id"] for run in body["runs"]] == tagged[::-1]
    assert body["next_cursor"] is None
    assert runs_client.get("/v1/runs?tag=lr-1").get_json()["runs"][0]["id"] == tagged[1]
    assert runs_client.get("/v1/runs?tag=none").get_json()["runs"] == []


@pytest.mark.parametrize(
    ("query", "path", "message"),
    [
        ("limit=0", "limit", "greater than or equal to 1"),
        ("limit=1001", "limit", "less than or equal to 1000"),
        ("limit=ten", "limit", "Not a valid integer"),
        ("cursor=bm90LWEta2V5", "cursor", "pass the next_cursor of a previous page"),
        ("tag=", "tag", "Length must be between"),
        ("page=2", "page", "Unknown query parameter"),
    ],
)
def test_list_rejects_invalid_query(
    runs_client: FlaskClient, query: str, path: str, message: str
) -> None:
    response = runs_client.get(f"/v1/runs?{query}")
    assert response.status_code == 422
    assert message in response.get_json()["errors"][path][0]


def test_unusable_sqlite_file_is_503(tmp_path: Path, openapi: Any) -> None:
    # A directory where the database file should be cannot be opened.
    (tmp_path / "runs.sqlite3").mkdir()
    app = make_app(tmp_path)
    response = post_json(app.test_client(), "/v1/runs", {"name": "x"})
    problem = response.get_json()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert problem["detail"] == "The run store is unavailable; retry the request later."
    assert str(tmp_path) not in json.dumps(problem)
    check_response(openapi, response)
    close_store(app)


def test_unreachable_postgres_is_503(tmp_path: Path) -> None:
    from server import free_port

    url = f"postgresql://postgres@127.0.0.1:{free_port()}/none?connect_timeout=2"
    app = make_app(tmp_path, url)
    client = app.test_client()
    assert client.get("/v1/runs").status_code == 503
    assert client.get(f"/v1/runs/{uuid.uuid4().hex}").status_code == 503
    close_store(app)


def test_database_url_scheme_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must start with postgresql://"):
        make_app(tmp_path, "mysql://db.example/runs")


def test_readyz_pings_store(runs_client: FlaskClient) -> None:
    response = runs_client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"store": "ok"}


def test_readyz_fails_without_store(tmp_path: Path) -> None:
    (tmp_path / "runs.sqlite3").mkdir()
    app = make_app(tmp_path)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["errors"] == {
        "checks.store": ["Failed with StoreUnavailable."]
    }
    close_store(app)
