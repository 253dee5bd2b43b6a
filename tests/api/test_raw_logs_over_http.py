"""Each real history's console log, posted as text/plain, diagnoses like its JSON form.

Console logs print 4 decimals, while some JSON forms (the generated_*
histories) carry 6. The verdict, the best epoch and the finding codes
survive that rounding for every history here. The risk score need not:
generated_digits_mlp_regularized scores 8.3 from its JSON form and 8.2
from its console log, so scores are compared to within 0.5 points, and
the risk level exactly.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from histories import history_names
from histories import load_record
from histories import post_json
from histories import request_body

RISK_SCORE_TOLERANCE = 0.5
WITH_RAW_LOG = [name for name in history_names() if "raw_log" in load_record(name)]


def codes(diagnosis: dict[str, Any]) -> list[str]:
    return sorted(finding["code"] for finding in diagnosis["findings"])


def test_raw_logs_found() -> None:
    # The histories under tests/data/training have no console log to compare.
    assert WITH_RAW_LOG
    assert "01_se485194_classic-overfit-val-acc-peak" in WITH_RAW_LOG


@pytest.mark.parametrize("name", WITH_RAW_LOG)
def test_console_log_matches_json_form(client: FlaskClient, name: str) -> None:
    from_json = post_json(client, "/v1/diagnoses", request_body(name)).get_json()
    response = client.post(
        "/v1/diagnoses",
        data=load_record(name)["raw_log"],
        content_type="text/plain",
    )
    from_log = response.get_json()

    assert response.status_code == 200, from_log
    assert from_log["status"] == from_json["status"]
    assert from_log["best_epoch"] == from_json["best_epoch"]
    assert codes(from_log) == codes(from_json)
    assert from_log["risk"]["level"] == from_json["risk"]["level"]
    assert from_log["risk"]["score"] == pytest.approx(
        from_json["risk"]["score"], abs=RISK_SCORE_TOLERANCE
    )
    assert from_log["n_epochs"] == from_json["n_epochs"]
