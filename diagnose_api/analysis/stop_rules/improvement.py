"""The improvement test shared by the Keras and Lightning stop rules.

A monitored value improves on the best value so far when it beats it by more
than ``min_delta``:

- mode ``"min"``: ``value + min_delta < best``
- mode ``"max"``: ``value - min_delta > best``

Only this module deals with the direction. It maps a series to its
*oriented* form, ``value`` for min and ``-value`` for max, in which lower is
always better, so both modes use ``oriented + min_delta < oriented_best``
with ``min_delta`` as passed. Keras 3 and Lightning 2 evaluate the two forms
above (after flipping the sign of their stored min_delta in min mode).
Negation is exact in floating point, so the results match theirs bit for
bit.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

Mode = Literal["min", "max"]
MODES: tuple[str, ...] = ("min", "max")
# Chains up to this many improvements are walked one step at a time. That
# costs one Python iteration per improvement, where pointer doubling costs
# about log2(chain length) array passes over all records, so a short chain
# in a long series is cheaper to walk.
SHORT_CHAIN_STEPS = 2000


def check_mode(mode: str) -> None:
    """Raise ValueError unless ``mode`` is ``"min"`` or ``"max"``."""
    if mode not in MODES:
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")


def check_min_delta(min_delta: float) -> None:
    """Raise ValueError unless ``min_delta`` is finite and >= 0."""
    if not (math.isfinite(min_delta) and min_delta >= 0.0):
        raise ValueError(
            f"min_delta must be a finite number >= 0, got {min_delta!r}; "
            "the mode sets the direction"
        )


def check_count(name: str, value: int, minimum: int = 0) -> None:
    """Raise ValueError unless ``value`` is an int >= ``minimum`` (not a bool)."""
    is_integer = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not is_integer or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def check_threshold(name: str, value: float | None) -> None:
    """Raise ValueError when an optional threshold is NaN."""
    if value is not None and math.isnan(value):
        raise ValueError(f"{name} must be a number or None, got {value!r}")


def as_series(
    values: np.ndarray, missing: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``values`` as 1-D float64 and ``missing`` as a bool mask.

    ``missing`` defaults to all False. Raises ValueError on a shape mismatch.
    """
    series = np.asarray(values, dtype=np.float64)
    if series.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {series.shape}")
    if missing is None:
        return series, np.zeros(series.shape, dtype=bool)

    mask = np.asarray(missing, dtype=bool)
    if mask.shape != series.shape:
        raise ValueError(
            f"missing must have the shape of values {series.shape}, got {mask.shape}"
        )
    return series, mask


def orient(values: np.ndarray, mode: Mode) -> np.ndarray:
    """Return the series in lower-is-better form: ``values`` or ``-values``."""
    return values if mode == "min" else -values


def orient_scalar(value: float, mode: Mode) -> float:
    """Return one value in lower-is-better form."""
    return value if mode == "min" else -value


def improves(
    value: float, best: float | None, mode: Mode, min_delta: float = 0.0
) -> bool:
    """Decide whether ``value`` improves on ``best`` by more than ``min_delta``.

    Parameters
    ----------
    value : float
        The monitored value. NaN never improves.
    best : float or None
        The best value so far; None (no value seen yet) is beaten by any
        value that is not NaN.
    mode : {"min", "max"}
        Whether lower or higher values are better.
    min_delta : float, default 0.0
        Margin, >= 0, by which ``value`` must beat ``best``.

    Returns
    -------
    bool
        ``value + min_delta < best`` in min mode, ``value - min_delta >
        best`` in max mode.

    Raises
    ------
    ValueError
        If ``mode`` is not "min" or "max" or ``min_delta`` is negative or
        not finite.
    """
    check_mode(mode)
    check_min_delta(min_delta)
    if math.isnan(value):
        return False
    if best is None:
        return True
    return orient_scalar(value, mode) + min_delta < orient_scalar(best, mode)


def improvement_ranks(
    oriented: np.ndarray, min_delta: float, initial_best: float | None
) -> np.ndarray:
    """Find the ranks at which the best value improves, in order.

    Walks an oriented series (lower is better) as a stop rule does: the
    best starts at ``initial_best`` and moves to ``oriented[k]`` whenever
    ``oriented[k] + min_delta < best``. NaN never improves, and None as
    ``initial_best`` is beaten by the first value that is not NaN.

    Parameters
    ----------
    oriented : numpy.ndarray
        1-D float64 series in lower-is-better form.
    min_delta : float
        Margin >= 0.
    initial_best : float or None
        Oriented best before the first value.

    Returns
    -------
    numpy.ndarray
        int64 ranks (indices into ``oriented``), strictly increasing.

    Notes
    -----
    Every improvement is a strict new running minimum of the series, so
    the improvements are a subset of those records. With ``min_delta`` 0
    they are exactly the records. Otherwise the next improvement after a
    record ``j`` is the first record ``r`` with ``rec[r] + min_delta <
    rec[j]``. Record values fall strictly, so one `numpy.searchsorted`
    finds it for every record at once in O(n log n). Pointer doubling then
    walks the chain of jumps in O(n log n) without a per-position loop
    (see `_follow_chain`).
    """
    if oriented.size == 0:
        return np.empty(0, dtype=np.int64)
    is_value = ~np.isnan(oriented)
    candidates = np.where(is_value, oriented, np.inf)
    if initial_best is None:
        eligible = is_value
    else:
        eligible = candidates + min_delta < initial_best
    start = int(eligible.argmax())
    # argmax also returns 0 when no rank is eligible.
    if not eligible[start]:
        return np.empty(0, dtype=np.int64)

    tail = candidates[start:]
    is_record = np.empty(tail.size, dtype=bool)
    is_record[0] = True
    np.less(tail[1:], np.minimum.accumulate(tail)[:-1], out=is_record[1:])
    records = is_record.nonzero()[0]
    if min_delta == 0.0:
        return records + start

    record_values = tail[records]
    # record_values falls strictly, so -(record_values + min_delta) is sorted
    # ascending and "first r with rec[r] + min_delta < rec[j]" is a search.
    next_record = np.searchsorted(
        -(record_values + min_delta), -record_values, side="right"
    )
    on_chain = _follow_chain(next_record)
    improved: np.ndarray = records[on_chain] + start
    return improved


def _follow_chain(next_node: np.ndarray) -> np.ndarray:
    """Return the nodes reached from node 0 by following ``next_node``, in order.

    ``next_node[i] > i``, and a value >= the node count ends the chain.
    Where ``next_node[i] == i + 1`` over a stretch of nodes, the chain
    passes through the whole stretch, so only the break nodes (whose
    successor is not the next node) need a walk. A steadily falling series
    is a single stretch without any.
    """
    n_nodes = next_node.size
    short_chain = _walk(next_node, max_steps=SHORT_CHAIN_STEPS)
    if short_chain is not None:
        return np.array(short_chain, dtype=np.int64)

    break_nodes = np.flatnonzero(next_node != np.arange(1, n_nodes + 1))
    if break_nodes.size == 0:
        return np.arange(n_nodes)

    # The stretch from node 0 ends at break 0. From break k the chain goes
    # on at node next_starts[k], in the stretch that ends at break
    # next_break[k] (break_nodes.size when it runs to the last node).
    next_starts = next_node[break_nodes]
    next_break = np.searchsorted(break_nodes, next_starts)
    n_breaks = break_nodes.size
    ends_chain = next_starts >= n_nodes
    visited = _path_from_zero(np.where(ends_chain, n_breaks, next_break))

    continues = ~ends_chain[visited]
    starts = np.concatenate(([0], next_starts[visited][continues]))
    stops = break_nodes[visited] + 1
    if continues[-1]:
        stops = np.append(stops, n_nodes)

    # Stretches are disjoint and never adjacent, so +1 at each start and -1
    # at each stop mark the covered nodes after a cumulative sum.
    delta = np.zeros(n_nodes + 1, dtype=np.int64)
    delta[starts] += 1
    delta[stops] -= 1
    return np.flatnonzero(np.cumsum(delta[:-1]) > 0)


def _walk(next_node: np.ndarray, max_steps: int) -> list[int] | None:
    """Return the chain from node 0 when it ends within ``max_steps`` nodes."""
    n_nodes = next_node.size
    chain: list[int] = []
    current = 0
    while current < n_nodes:
        if len(chain) == max_steps:
            return None
        chain.append(current)
        current = next_node.item(current)
    return chain


def _path_from_zero(successor: np.ndarray) -> np.ndarray:
    """Return the nodes visited from node 0, in order.

    ``successor[i] > i``, and a value >= the node count ends the path.
    Pointer doubling: after round r the path contains the nodes at distances
    below 2**r and ``jump`` maps a node to the one 2**r steps on, so the
    loop runs about log2(path length) times over arrays of n nodes.
    """
    n_nodes = successor.size
    jump = np.append(np.minimum(successor, n_nodes), n_nodes)
    path = np.zeros(1, dtype=np.int64)
    while True:
        reached = jump[path]
        reached = reached[reached < n_nodes]
        if reached.size == 0:
            return path
        path = np.concatenate((path, reached))
        if path.size > n_nodes:
            # Only a successor that does not advance can revisit a node; stop
            # before the doubling path exhausts memory.
            raise RuntimeError(
                "improvement chain revisits a node: a successor does not advance"
            )
        jump = jump[jump]
