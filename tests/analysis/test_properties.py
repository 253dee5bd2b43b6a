"""Properties that must hold for any history, checked with hypothesis."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck
from hypothesis import assume
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from diagnose_api.analysis.diagnose import diagnose
from diagnose_api.analysis.history import History
from diagnose_api.schemas.diagnosis import DiagnosisSchema

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

any_value = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    st.floats(allow_nan=False, allow_infinity=False),
    st.just(math.nan),
    st.just(math.inf),
    st.just(-math.inf),
    st.none(),
)
loss_value = st.floats(
    min_value=1e-3, max_value=10.0, allow_nan=False, allow_infinity=False
)


@st.composite
def wild_histories(draw: st.DrawFn) -> dict[str, list[float | None]]:
    """Any values, NaN, infinities and nulls, in 1 to 4 series."""
    n = draw(st.integers(min_value=3, max_value=40))
    names = draw(
        st.lists(
            st.sampled_from(
                ["loss", "val_loss", "accuracy", "val_accuracy", "lr", "mae"]
            ),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    return {name: draw(st.lists(any_value, min_size=n, max_size=n)) for name in names}


@st.composite
def loss_histories(draw: st.DrawFn) -> dict[str, list[float]]:
    """Finite positive training and validation losses of the same length."""
    n = draw(st.integers(min_value=5, max_value=40))
    train = draw(st.lists(loss_value, min_size=n, max_size=n))
    val = draw(st.lists(loss_value, min_size=n, max_size=n))
    return {"loss": train, "val_loss": val}


def dumped(history: History) -> dict[str, Any]:
    result = DiagnosisSchema().dump(diagnose(history))
    # The response must be strict JSON.
    json.dumps(result, allow_nan=False)
    return result


@SETTINGS
@given(wild_histories())
def test_any_history_diagnosed(series: dict[str, list[float | None]]) -> None:
    result = dumped(History.from_lists(series))
    assert result["status"] in {
        "overfitting",
        "underfitting",
        "unstable",
        "diverged",
        "healthy",
        "insufficient_data",
    }
    assert 0 <= result["risk"]["score"] <= 100


EPOCH_KEYS_EXCLUDED = {
    "n_epochs",
    "epochs_saved",
    "epochs_after_best",
    "epochs_factor",
    "start_from_epoch",
    "slope_per_epoch",
}
TEXT_KEYS = {"message", "rationale", "summary", "reason"}


def shift_epochs(value: Any, shift: float, key: str = "") -> Any:
    """Add ``shift`` to every epoch-valued number in a dumped diagnosis."""
    is_epoch_key = (
        key in ("epoch", "epochs", "window_start", "window_end")
        or key.endswith("_epoch")
        or key.startswith("best_epoch")
    ) and key not in EPOCH_KEYS_EXCLUDED
    if isinstance(value, dict):
        return {
            k: shift_epochs(v, shift, k) for k, v in value.items() if k not in TEXT_KEYS
        }
    if isinstance(value, list):
        return [shift_epochs(v, shift, key) for v in value]
    if is_epoch_key and isinstance(value, (int, float)) and not isinstance(value, bool):
        return value + shift
    return value


def assert_close(left: Any, right: Any, path: str = "") -> None:
    if isinstance(left, dict):
        assert left.keys() == right.keys(), path
        for key in left:
            assert_close(left[key], right[key], f"{path}.{key}")
    elif isinstance(left, list):
        assert len(left) == len(right), path
        for index, (a, b) in enumerate(zip(left, right)):
            assert_close(a, b, f"{path}[{index}]")
    elif isinstance(left, float) and isinstance(right, float):
        assert math.isclose(left, right, rel_tol=1e-6, abs_tol=1e-9), (
            path,
            left,
            right,
        )
    else:
        assert left == right, (path, left, right)


@SETTINGS
@given(loss_histories(), st.integers(min_value=1, max_value=10_000))
def test_renumbering_shifts_epochs_only(
    series: dict[str, list[float]], shift: int
) -> None:
    # Both numberings start late (50 and 50 + shift), so the check that
    # needs the start of training is skipped in both; a log that starts at
    # epoch 1 is rightly read differently from one that starts at epoch 50.
    n = len(series["loss"])
    base = list(range(50, 50 + n))
    moved = [epoch + shift for epoch in base]
    original = dumped(History.from_lists(series, base))
    renumbered = dumped(History.from_lists(series, moved))
    assert_close(shift_epochs(original, shift), shift_epochs(renumbered, 0))


@SETTINGS
@given(loss_histories(), st.sampled_from([0.25, 0.5, 2.0, 4.0, 1024.0]))
def test_scaling_losses_keeps_status(
    series: dict[str, list[float]], factor: float
) -> None:
    # Powers of two scale every float exactly, so any change would be a
    # threshold that is not relative to the data.
    scaled = {name: [v * factor for v in values] for name, values in series.items()}
    original = diagnose(History.from_lists(series))
    rescaled = diagnose(History.from_lists(scaled))
    assert original.status == rescaled.status


@st.composite
def rising_histories(draw: st.DrawFn) -> dict[str, list[float]]:
    """Losses in [1, 10], so a rise made up to 5 times steeper stays below 100 x min."""
    n = draw(st.integers(min_value=5, max_value=40))
    value = st.floats(min_value=1.0, max_value=10.0)
    train = draw(st.lists(value, min_size=n, max_size=n))
    val = draw(st.lists(value, min_size=n, max_size=n))
    return {"loss": train, "val_loss": val}


@SETTINGS
@given(rising_histories(), st.floats(min_value=1.0, max_value=5.0))
def test_steeper_rise_never_lowers_risk(
    series: dict[str, list[float]], steepness: float
) -> None:
    val = np.array(series["val_loss"])
    best = int(np.argmin(val))
    steeper = val.copy()
    steeper[best + 1 :] = val[best] + steepness * (val[best + 1 :] - val[best])
    # Past 100 times the minimum a rise is an explosion, scored as divergence
    # rather than overfitting (see risk.py). Below that bound the score is monotone.
    assume(float(steeper.max()) < 100 * float(val[best]))
    base = diagnose(History.from_lists(series))
    steep = diagnose(
        History.from_lists({"loss": series["loss"], "val_loss": list(steeper)})
    )
    assert steep.risk.score >= base.risk.score - 1e-9
