"""The two-pass breakpoint search of long series against scoring every breakpoint."""

from __future__ import annotations

import numpy as np
import pytest

from diagnose_api.analysis import divergence
from diagnose_api.analysis.divergence import find_divergence


def u_shaped_run(n_points: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, n_points)
    epochs = np.arange(1.0, n_points + 1.0)
    train = 0.05 + 2.0 * np.exp(-6.0 * t) + rng.normal(0.0, 0.01, n_points)
    val = 0.4 + 1.6 * np.exp(-6.0 * t) + 3.0 * np.maximum(t - 0.35, 0.0) ** 2
    return epochs, val + rng.normal(0.0, 0.03, n_points), train


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("n_points", [2_001, 7_500])
def test_two_pass_search_finds_exhaustive_breakpoint(
    seed: int, n_points: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    epochs, val, train = u_shaped_run(n_points, seed)
    two_pass = find_divergence(epochs, val, train, 0.05)

    monkeypatch.setattr(divergence, "MAX_BREAKPOINT_CANDIDATES", n_points)
    exhaustive = find_divergence(epochs, val, train, 0.05)

    assert two_pass is not None
    assert two_pass == exhaustive
