"""Every real history in tests/data against what a correct diagnosis must contain."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from histories import expectations
from histories import history_names
from histories import post_json
from histories import request_body


@pytest.fixture(params=history_names())
def case(request: pytest.FixtureRequest, client: FlaskClient) -> tuple[dict, dict]:
    name = request.param
    response = post_json(client, "/v1/diagnoses", request_body(name))
    assert response.status_code == 200, response.get_json()
    return response.get_json(), expectations(name)


def test_status_matches(case: tuple[dict, dict]) -> None:
    diagnosis, expected = case
    if "status_any" in expected:
        assert diagnosis["status"] in expected["status_any"]
    assert diagnosis["status"] not in expected.get("status_not", [])


def test_best_epoch_in_range(case: tuple[dict, dict]) -> None:
    diagnosis, expected = case
    if "best_epoch" not in expected:
        pytest.skip("no best-epoch expectation")
    low, high = expected["best_epoch"]
    assert low <= diagnosis["best_epoch"] <= high


def test_divergence_in_range(case: tuple[dict, dict]) -> None:
    diagnosis, expected = case
    if "divergence" not in expected:
        pytest.skip("no divergence expectation")
    assert diagnosis["divergence"] is not None
    low, high = expected["divergence"]
    assert low <= diagnosis["divergence"]["epoch"] <= high


def test_required_findings_present(case: tuple[dict, dict]) -> None:
    diagnosis, expected = case
    codes = {f["code"] for f in diagnosis["findings"]}
    for alternatives in expected.get("findings_all", []):
        assert codes & set(alternatives), f"none of {alternatives} in {sorted(codes)}"


def test_recommendations_allowed(case: tuple[dict, dict]) -> None:
    diagnosis, expected = case
    actions = {r["action"] for r in diagnosis["recommendations"]}
    if "recs_any" in expected:
        assert actions & set(expected["recs_any"]), sorted(actions)
    assert not actions & set(expected.get("recs_not", [])), sorted(actions)


def test_risk_within_bounds(case: tuple[dict, dict]) -> None:
    diagnosis, expected = case
    score = diagnosis["risk"]["score"]
    assert expected.get("risk_min", 0) <= score <= expected.get("risk_max", 100)


def test_risk_factors_sum_to_score(case: tuple[dict, dict]) -> None:
    diagnosis, _ = case
    total = sum(f["contribution"] for f in diagnosis["risk"]["factors"])
    assert diagnosis["risk"]["score"] == pytest.approx(min(100.0, total), abs=0.1)
