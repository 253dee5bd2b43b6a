from __future__ import annotations

import math

import numpy as np
import pytest

from diagnose_api.analysis.stop_rules import improves
from diagnose_api.analysis.stop_rules.improvement import improvement_ranks

NAN = math.nan
INF = math.inf


def reference_ranks(
    oriented: np.ndarray, min_delta: float, initial_best: float | None
) -> list[int]:
    """Improvement ranks found one value at a time."""
    best = initial_best
    ranks = []
    for rank, value in enumerate(oriented.tolist()):
        if math.isnan(value):
            continue
        if best is None or value + min_delta < best:
            best = value
            ranks.append(rank)
    return ranks


@pytest.mark.parametrize(
    ("value", "best", "mode", "min_delta", "expected"),
    [
        pytest.param(0.9, 1.0, "min", 0.0, True, id="min-lower"),
        pytest.param(1.0, 1.0, "min", 0.0, False, id="min-equal"),
        pytest.param(1.1, 1.0, "min", 0.0, False, id="min-higher"),
        pytest.param(0.85, 1.0, "min", 0.1, True, id="min-beyond-delta"),
        pytest.param(0.95, 1.0, "min", 0.1, False, id="min-within-delta"),
        pytest.param(1.1, 1.0, "max", 0.0, True, id="max-higher"),
        pytest.param(0.9, 1.0, "max", 0.0, False, id="max-lower"),
        pytest.param(1.05, 1.0, "max", 0.1, False, id="max-within-delta"),
        pytest.param(NAN, 1.0, "min", 0.0, False, id="nan-value"),
        pytest.param(NAN, None, "min", 0.0, False, id="nan-first"),
        pytest.param(5.0, None, "min", 0.0, True, id="first-value"),
        pytest.param(INF, None, "min", 0.0, True, id="inf-first"),
        pytest.param(-INF, 1.0, "min", 0.5, True, id="minus-inf"),
        pytest.param(INF, INF, "max", 0.0, False, id="inf-on-inf"),
    ],
)
def test_improves_table(
    value: float, best: float | None, mode: str, min_delta: float, expected: bool
) -> None:
    assert improves(value, best, mode, min_delta) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mode", "min_delta", "match"),
    [
        ("auto", 0.0, r"mode must be 'min' or 'max', got 'auto'"),
        ("min", -0.1, r"min_delta must be a finite number >= 0, got -0.1"),
        ("max", INF, r"min_delta must be a finite number >= 0, got inf"),
        ("max", NAN, r"min_delta must be a finite number >= 0, got nan"),
    ],
)
def test_improves_rejects_parameters(mode: str, min_delta: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        improves(1.0, 2.0, mode, min_delta)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "min_delta", "initial_best", "expected"),
    [
        pytest.param([3.0, 2.0, 2.5, 1.0], 0.0, None, [0, 1, 3], id="records"),
        pytest.param([3.0, 2.95, 2.9, 2.85], 0.1, None, [0, 3], id="slow-fall"),
        pytest.param([NAN, 2.0, 1.0], 0.0, None, [1, 2], id="nan-head"),
        pytest.param([INF, 2.0], 0.0, None, [0, 1], id="inf-first"),
        pytest.param([INF, 2.0], 0.0, INF, [1], id="inf-initial-best"),
        pytest.param([NAN, NAN], 0.0, None, [], id="all-nan"),
        pytest.param([], 0.5, None, [], id="empty"),
    ],
)
def test_improvement_ranks_table(
    values: list[float],
    min_delta: float,
    initial_best: float | None,
    expected: list[int],
) -> None:
    ranks = improvement_ranks(np.array(values, dtype=float), min_delta, initial_best)

    assert ranks.tolist() == expected


@pytest.mark.parametrize("min_delta", [0.0, 0.05, 0.3, 1.0])
@pytest.mark.parametrize("seed", range(8))
def test_improvement_ranks_matches_loop(min_delta: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    oriented = np.round(rng.normal(size=60).cumsum() * 0.2 - np.arange(60) * 0.05, 2)
    oriented[rng.random(60) < 0.1] = np.nan
    initial_best = None if seed % 2 else INF

    ranks = improvement_ranks(oriented, min_delta, initial_best)

    assert ranks.tolist() == reference_ranks(oriented, min_delta, initial_best)


@pytest.mark.parametrize(
    ("pattern", "min_delta"),
    [
        pytest.param([0.0], 1e-5, id="every-position"),
        pytest.param([0.0], 1e-4, id="every-other-position"),
        pytest.param([0.0, 0.6e-4], 1e-4, id="alternating"),
        pytest.param([0.0, 0.6e-4, 0.3e-4, 0.1e-4], 1e-4, id="stairs"),
    ],
)
def test_improvement_ranks_long_chain(pattern: list[float], min_delta: float) -> None:
    # Chains longer than the step-by-step walk handles, so the stretch
    # and pointer-doubling paths run.
    values = np.linspace(2.0, 1.0, 12_000) + np.resize(pattern, 12_000)

    ranks = improvement_ranks(values, min_delta, None)

    assert ranks.tolist() == reference_ranks(values, min_delta, None)


def test_path_from_zero_stops_on_cycle() -> None:
    from diagnose_api.analysis.stop_rules.improvement import _path_from_zero

    with pytest.raises(RuntimeError, match="revisits a node"):
        _path_from_zero(np.array([1, 0, 3], dtype=np.int64))
