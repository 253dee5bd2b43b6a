from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from diagnose_api.analysis.stop_rules import CriterionResult
from diagnose_api.analysis.stop_rules import simulate_prechelt
from diagnose_api.analysis.stop_rules.prechelt import GL_ALPHAS
from diagnose_api.analysis.stop_rules.prechelt import PQ_ALPHAS
from diagnose_api.analysis.stop_rules.prechelt import STRIP_LENGTH
from diagnose_api.analysis.stop_rules.prechelt import UP_STRIPS

NAN = math.nan
INF = math.inf

# GL at ranks 0..9: 0, 0, 0, 0, 0, 0, 10, 20, 20, 120 (E_opt = 0.5 from rank 5)
VALIDATION = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.55, 0.6, 0.6, 1.1]
# P_5 at rank 4 is 0 (flat strip); at rank 9 it is 1000 * (2.4 / 2.0 - 1) = 200
TRAINING = [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.4]


def by_parameter(results: tuple[CriterionResult, ...]) -> dict[float, CriterionResult]:
    return {result.parameter: result for result in results}


def test_prechelt_default_parameters() -> None:
    result = simulate_prechelt(np.array(VALIDATION), np.array(TRAINING))

    assert [c.parameter for c in result.gl] == list(GL_ALPHAS)
    assert [c.parameter for c in result.pq] == list(PQ_ALPHAS)
    assert [c.parameter for c in result.up] == list(UP_STRIPS)
    assert GL_ALPHAS == (1.0, 2.0, 3.0, 5.0)
    assert PQ_ALPHAS == (0.5, 0.75, 1.0, 2.0, 3.0)
    assert UP_STRIPS == (2, 3, 4, 6, 8)


def test_prechelt_measures() -> None:
    result = simulate_prechelt(np.array(VALIDATION), np.array(TRAINING))

    np.testing.assert_allclose(
        result.generalization_loss, [0, 0, 0, 0, 0, 0, 10, 20, 20, 120], atol=1e-9
    )
    assert np.isnan(result.training_progress[:4]).all()
    assert result.training_progress[4] == 0.0
    assert result.training_progress[9] == pytest.approx(200.0)


@pytest.mark.parametrize(
    ("alpha", "stopped_index", "reason"),
    [
        (1.0, 6, "fired"),
        (10.5, 7, "fired"),
        (25.0, 9, "fired"),
        (150.0, None, "not_stopped"),
    ],
)
def test_prechelt_gl(alpha: float, stopped_index: int | None, reason: str) -> None:
    result = simulate_prechelt(np.array(VALIDATION), gl_alphas=(alpha,))

    assert result.gl[0].stopped_index == stopped_index
    assert result.gl[0].reason == reason


def test_prechelt_gl_best_and_message() -> None:
    result = simulate_prechelt(np.array(VALIDATION), gl_alphas=(1.0,))

    assert result.gl[0].best_index == 5
    assert result.gl[0].message == (
        "GL_1 fires at position 6: GL 10 > 1: validation error 0.55 against "
        "the best 0.5."
    )


@pytest.mark.parametrize(
    ("alpha", "stopped_index", "reason"),
    [
        # PQ at rank 9 = 120 / 200 = 0.6. Rank 4 is undefined (P_5 = 0).
        (0.5, 9, "fired"),
        (0.75, None, "zero_training_progress"),
    ],
)
def test_prechelt_pq(alpha: float, stopped_index: int | None, reason: str) -> None:
    result = simulate_prechelt(
        np.array(VALIDATION), np.array(TRAINING), pq_alphas=(alpha,)
    )

    assert result.pq[0].stopped_index == stopped_index
    assert result.pq[0].reason == reason


def test_prechelt_pq_not_stopped() -> None:
    training = np.linspace(1.0, 0.1, 10)

    result = simulate_prechelt(np.array(VALIDATION), training, pq_alphas=(3.0,))

    assert result.pq[0].stopped_index is None
    assert result.pq[0].reason == "not_stopped"


@pytest.mark.parametrize(
    ("strips", "stopped_index", "reason"),
    [
        # Strip ends (k = 2) at ranks 1, 3, 5, 7, 9: 4, 3.5, 2.5, 3.2, 4.1
        (1, 7, "fired"),
        (2, 9, "fired"),
        (3, None, "not_stopped"),
        (4, None, "not_stopped"),
        (5, None, "too_few_evaluations"),
    ],
)
def test_prechelt_up(strips: int, stopped_index: int | None, reason: str) -> None:
    validation = np.array([5.0, 4.0, 3.0, 3.5, 2.0, 2.5, 3.0, 3.2, 4.0, 4.1])

    result = simulate_prechelt(validation, strip_length=2, up_strips=(strips,))

    assert result.up[0].stopped_index == stopped_index
    assert result.up[0].reason == reason


def test_prechelt_up_best_index() -> None:
    validation = np.array([5.0, 4.0, 3.0, 3.5, 2.0, 2.5, 3.0, 3.2, 4.0, 4.1])

    result = simulate_prechelt(validation, strip_length=2, up_strips=(2,))

    assert result.up[0].best_index == 4


def lowest_error_index(errors: np.ndarray, stop: int) -> int | None:
    """Return the index of the first lowest error up to ``stop``, skipping NaN.

    None when no error up to ``stop`` is below +inf.
    """
    best = INF
    best_index = None
    for index, value in enumerate(errors[: stop + 1].tolist()):
        if value < best:
            best = value
            best_index = index
    return best_index


@pytest.mark.parametrize("seed", range(8))
def test_prechelt_best_index_matches_loop(seed: int) -> None:
    rng = np.random.default_rng(50 + seed)
    # Rounded to one decimal, so that equal errors (ties) occur.
    validation = np.round(rng.normal(1.0, 0.3, 40), 1)
    validation[: seed % 3] = NAN
    validation[rng.random(40) < 0.15] = NAN
    validation[rng.random(40) < 0.05] = INF
    if seed % 2:
        validation[rng.integers(40)] = -INF

    result = simulate_prechelt(
        validation, strip_length=1, gl_alphas=(1.0, 10.0), up_strips=(1, 2, 3)
    )

    fired = [c for c in result.gl + result.up if c.stopped_index is not None]
    assert fired
    for criterion in fired:
        assert criterion.stopped_index is not None
        expected = lowest_error_index(validation, criterion.stopped_index)
        assert criterion.best_index == expected, criterion


def test_prechelt_strips_count_evaluations() -> None:
    # Validation at even positions only: evaluations 1.0, 0.8, 0.9, 0.95, 1.0.
    validation = np.array([1.0, NAN, 0.8, NAN, 0.9, NAN, 0.95, NAN, 1.0, NAN])
    missing = np.isnan(validation)

    result = simulate_prechelt(
        validation, missing=missing, strip_length=2, gl_alphas=(1.0,), up_strips=(1,)
    )

    assert result.gl[0].stopped_index == 4
    assert result.gl[0].best_index == 2
    assert result.up[0].stopped_index == 6
    assert np.isnan(result.generalization_loss[missing]).all()


@pytest.mark.parametrize(
    ("validation", "training", "criterion", "reason"),
    [
        pytest.param([1.0, NAN, 1.005], None, "gl", "non_finite_value", id="gl-nan"),
        pytest.param([0.0, 0.1, 0.2], None, "gl", "non_positive_error", id="gl-zero"),
        pytest.param([-1.0, -0.5], None, "gl", "non_positive_error", id="gl-negative"),
        pytest.param([], None, "gl", "too_few_evaluations", id="gl-empty"),
        pytest.param(
            [1.0, 0.9, 0.8], None, "pq", "no_training_series", id="pq-no-training"
        ),
        pytest.param(
            [1.0, 0.9, 0.8], [1.0, 0.9, 0.8], "pq", "too_few_evaluations", id="pq-short"
        ),
        pytest.param(
            [1.0] * 5,
            [1.0, 0.5, 0.0, 0.5, 0.5],
            "pq",
            "non_positive_error",
            id="pq-training-zero",
        ),
        pytest.param(
            [1.0] * 5,
            [1.0, INF, 0.5, 0.5, 0.5],
            "pq",
            "non_finite_value",
            id="pq-training-inf",
        ),
        pytest.param(
            [1.0] * 5,
            [1.0, NAN, 0.5, 0.5, 0.5],
            "pq",
            "non_finite_value",
            id="pq-training-nan",
        ),
        pytest.param(
            [1.0] * 4 + [NAN] + [1.1] * 5, None, "up", "non_finite_value", id="up-nan"
        ),
    ],
)
def test_prechelt_degenerate(
    validation: list[float],
    training: list[float] | None,
    criterion: str,
    reason: str,
) -> None:
    train = None if training is None else np.array(training)
    kwargs: dict[str, Any] = {
        "gl_alphas": (5.0,),
        "pq_alphas": (5.0,),
        "up_strips": (1,),
    }

    result = simulate_prechelt(np.array(validation, dtype=float), train, **kwargs)

    outcome = getattr(result, criterion)[0]
    assert outcome.stopped_index is None
    assert outcome.reason == reason


def test_prechelt_infinite_validation_fires_gl() -> None:
    result = simulate_prechelt(np.array([1.0, INF]), gl_alphas=(5.0,))

    assert result.gl[0].stopped_index == 1
    assert result.generalization_loss[1] == INF


def test_prechelt_undefined_message() -> None:
    result = simulate_prechelt(np.array([0.0, 0.1, 0.2]), gl_alphas=(5.0,))

    assert result.gl[0].message == (
        "GL_5 is undefined at 3 of 3 points, first at position 0 because the "
        "best validation error 0 is <= 0."
    )


@pytest.mark.parametrize(
    ("kwargs", "criterion", "index", "message"),
    [
        pytest.param(
            {"training": TRAINING, "gl_alphas": (150.0,)},
            "gl",
            0,
            "GL_150 does not fire over 10 evaluations: maximum GL 120, "
            "threshold 150.",
            id="gl-not-fired",
        ),
        pytest.param(
            {"validation": [1.0, 1.2, 1.1, NAN, 1.3, 1.4], "gl_alphas": (50.0,)},
            "gl",
            0,
            "GL_50 is undefined at 1 of 6 points, first at position 3 because "
            "validation error nan is not finite. Where defined it reaches at "
            "most 40, threshold 50.",
            id="gl-undefined",
        ),
        pytest.param(
            {"training": TRAINING, "pq_alphas": (0.5,)},
            "pq",
            0,
            "PQ_0.5 fires at position 9: PQ 0.6 > 0.5: GL 120 over P_5 200.",
            id="pq-fired",
        ),
        pytest.param(
            {"training": TRAINING, "pq_alphas": (0.75,)},
            "pq",
            0,
            "PQ_0.75 is undefined at 1 of 2 points, first at position 4 because "
            "P_5 is 0 (training error flat over the strip). Where defined it "
            "reaches at most 0.6, threshold 0.75.",
            id="pq-undefined",
        ),
        pytest.param(
            {"pq_alphas": (1.0,)},
            "pq",
            0,
            "PQ_1 cannot be checked: no training series.",
            id="pq-unavailable",
        ),
        pytest.param(
            {"strip_length": 2, "up_strips": (1, 3, 5)},
            "up",
            0,
            "UP_1 fires at position 7: validation error rose at 1 successive "
            "strip ends, to 0.6 from 0.5.",
            id="up-fired",
        ),
        pytest.param(
            {"strip_length": 2, "up_strips": (1, 3, 5)},
            "up",
            1,
            "UP_3 does not fire over 5 strip ends: longest run of rising strip "
            "ends 2, threshold 3.",
            id="up-not-fired",
        ),
        pytest.param(
            {"strip_length": 2, "up_strips": (1, 3, 5)},
            "up",
            2,
            "UP_5 cannot be checked: it needs 6 strip ends (12 evaluations), "
            "the run has 10 evaluations.",
            id="up-too-few",
        ),
        pytest.param(
            {"validation": [1.0, 1.0, 0.9, NAN, 0.8, 0.7], "strip_length": 2},
            "up",
            0,
            "UP_2 is undefined at 2 of 2 points, first at position 3 because a "
            "validation error at a strip end is NaN.",
            id="up-undefined",
        ),
    ],
)
def test_prechelt_messages(
    kwargs: dict[str, Any], criterion: str, index: int, message: str
) -> None:
    validation = np.array(kwargs.pop("validation", VALIDATION), dtype=float)
    training = kwargs.pop("training", None)
    train = None if training is None else np.array(training, dtype=float)

    result = simulate_prechelt(validation, train, **kwargs)

    assert getattr(result, criterion)[index].message == message


def test_prechelt_message_ignores_later_input_changes() -> None:
    # Messages are composed on first access, and by then the caller may
    # have reused its arrays.
    validation = np.array(VALIDATION)
    training = np.array(TRAINING)
    result = simulate_prechelt(validation, training, strip_length=2)

    validation[:] = 7.0
    training[:] = 7.0

    assert result.gl[0].message == (
        "GL_1 fires at position 6: GL 10 > 1: validation error 0.55 against "
        "the best 0.5."
    )
    assert result.up[0].message == (
        "UP_2 fires at position 9: validation error rose at 2 successive strip "
        "ends, to 1.1 from 0.5."
    )


@pytest.mark.parametrize("seed", range(6))
def test_prechelt_first_fire_matches_scan(seed: int) -> None:
    rng = np.random.default_rng(seed)
    validation = np.abs(1.0 + rng.normal(0.0, 0.2, 80).cumsum() * 0.1)
    validation[rng.random(80) < 0.1] = NAN
    validation[rng.random(80) < 0.03] = INF
    training = np.abs(np.linspace(2.0, 0.5, 80) + rng.normal(0.0, 0.05, 80))
    alphas = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, INF)

    result = simulate_prechelt(
        validation, training, gl_alphas=alphas, pq_alphas=alphas
    )

    ends = np.arange(STRIP_LENGTH - 1, validation.size, STRIP_LENGTH)
    gl = result.generalization_loss
    with np.errstate(invalid="ignore", divide="ignore"):
        quotient = gl[ends] / result.training_progress[ends]
    for alpha, gl_result, pq_result in zip(alphas, result.gl, result.pq):
        gl_fires = np.flatnonzero(gl > alpha)
        pq_fires = ends[(quotient > alpha) & (result.training_progress[ends] > 0)]
        expected_gl = int(gl_fires[0]) if gl_fires.size else None
        expected_pq = int(pq_fires[0]) if pq_fires.size else None
        assert gl_result.stopped_index == expected_gl, alpha
        assert pq_result.stopped_index == expected_pq, alpha


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"strip_length": 0}, r"strip_length must be an integer >= 1, got 0"),
        ({"strip_length": 2.5}, r"strip_length must be an integer >= 1, got 2.5"),
        ({"gl_alphas": (1.0, 0.0)}, r"each of gl_alphas must be > 0, got 0.0"),
        ({"pq_alphas": (NAN,)}, r"each of pq_alphas must be > 0, got nan"),
        ({"up_strips": (0,)}, r"each of up_strips must be an integer >= 1, got 0"),
        (
            {"training": np.ones(3)},
            r"training must have the shape of validation \(2,\), got \(3,\)",
        ),
    ],
)
def test_prechelt_rejects_parameters(params: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        simulate_prechelt(np.array([1.0, 2.0]), **params)
