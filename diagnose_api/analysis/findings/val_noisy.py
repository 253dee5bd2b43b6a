"""``val_noisy``: validation loss swings far more than training loss.

Rule: with sigma the noise level of a series (robust scale of its first
differences, ``noise.noise_scale``) and m_V the median validation loss,

    sigma_V / |m_V| >= 0.1   and   (no training loss or sigma_V >= 3 sigma_T).

Severity by relative noise: low below 0.25, medium below 0.5, high below 1,
critical from 1.
Typical causes: a small validation set or a learning rate so high that the
weights bounce between epochs.
"""

from __future__ import annotations

import numpy as np

from diagnose_api.analysis.context import Context
from diagnose_api.analysis.fast_stats import median
from diagnose_api.analysis.findings.base import Outcome
from diagnose_api.analysis.findings.base import rounded
from diagnose_api.analysis.findings.base import severity_at_least
from diagnose_api.analysis.history import Series
from diagnose_api.analysis.noise import noise_scale
from diagnose_api.analysis.result import Finding
from diagnose_api.analysis.result import SkippedCheck

CODE = "val_noisy"
MIN_RELATIVE_NOISE = 0.1
MIN_NOISE_RATIO = 3.0
MIN_POINTS = 4


def gap_free_noise(ctx: Context, series: Series) -> float:
    """Noise level from differences that do not cross a gap in the epochs.

    A series logged and finite at every epoch, with no gap in the epochs,
    has all its differences, so its noise is the context's noise of the
    series itself.
    """
    all_diffs = ctx.differences(series).values
    diffs = all_diffs[np.isfinite(all_diffs)]
    if diffs.size < 2:
        return float("nan")
    if ctx.complete(series) and diffs.size == series.values.size - 1:
        return ctx.raw_noise(series)
    # noise_scale takes a series; the cumulative sum of the differences is a
    # series with exactly these differences.
    return noise_scale(np.concatenate([[0.0], np.cumsum(diffs)]))


def detect(ctx: Context) -> Outcome:
    if ctx.val_loss is None:
        return SkippedCheck(CODE, "no validation loss series was logged")
    val = ctx.val_loss
    if val.observed.sum() < MIN_POINTS:
        return SkippedCheck(CODE, f"fewer than {MIN_POINTS} finite validation losses")
    sigma_val = gap_free_noise(ctx, val)
    level = abs(median(val.values[val.observed], overwrite_input=True))
    if not np.isfinite(sigma_val) or level == 0:
        return None
    relative = sigma_val / level
    if relative < MIN_RELATIVE_NOISE:
        return None
    sigma_train = None
    if ctx.train_loss is not None and ctx.train_loss.observed.sum() >= MIN_POINTS:
        train = ctx.train_loss
        sigma_train = gap_free_noise(ctx, train)
        if np.isfinite(sigma_train) and sigma_val < MIN_NOISE_RATIO * sigma_train:
            return None
    ratio = sigma_val / sigma_train if sigma_train else None
    detail = f", {ratio:.1f} times the training loss's" if ratio is not None else ""
    return Finding(
        code=CODE,
        severity=severity_at_least(relative, (0.25, 0.5, 1.0)),
        epochs=(float(ctx.epochs[0]), float(ctx.epochs[-1])),
        evidence={
            "val_noise": rounded(sigma_val),
            "relative_noise": rounded(relative),
            "train_noise": rounded(sigma_train),
            "noise_ratio": rounded(ratio),
        },
        message=f"Validation loss swings by about {relative:.0%} of its level from "
        f"one epoch to the next{detail}: a small validation set or a learning "
        "rate that is too high.",
    )
