"""Any numbers a client can send get a diagnosis or a 4xx, never a 500."""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from diagnose_api import create_app

APP = create_app({"TESTING": True})

value = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, 0.0]),
    st.none(),
    st.integers(min_value=-(10**20), max_value=10**20),
)


@st.composite
def bodies(draw: st.DrawFn) -> dict:
    n = draw(st.integers(min_value=1, max_value=30))
    names = draw(
        st.lists(
            st.sampled_from(["loss", "val_loss", "accuracy", "val_accuracy", "lr"]),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    history = {name: draw(st.lists(value, min_size=n, max_size=n)) for name in names}
    body: dict = {"history": history}
    if draw(st.booleans()):
        body["epochs"] = sorted(
            draw(st.sets(st.floats(-1e6, 1e6), min_size=n, max_size=n))
        )
    return body


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies())
def test_wild_history_never_500(body: dict) -> None:
    response = APP.test_client().post(
        "/v1/diagnoses", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code == 200:
        json.loads(response.get_data(as_text=True), parse_constant=reject_constant)


def reject_constant(token: str) -> None:
    raise AssertionError(f"response carries the non-standard JSON token {token}")


def test_alternating_extremes_diagnosed() -> None:
    body = {"history": {"val_loss": [1e308, -1e308, 1e308, -1e308, 1e308]}}
    response = APP.test_client().post(
        "/v1/diagnoses", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200
