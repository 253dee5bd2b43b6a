"""Epochs in the store: idempotent appends, conflicts, non-finite values."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from diagnose_api.store import EpochConflict
from diagnose_api.store import EpochRow
from diagnose_api.store import MetricConflict
from diagnose_api.store import Run
from diagnose_api.store import RunNotFound
from diagnose_api.store import RunStore
from diagnose_api.store import StoreError

Metrics = dict[str, float | None]


def rows_of(history: dict[float, Metrics]) -> list[EpochRow]:
    return [
        EpochRow(epoch=epoch, metrics=metrics) for epoch, metrics in history.items()
    ]


def same_value(left: float | None, right: float | None) -> bool:
    """Equality that treats NaN as equal to NaN and distinguishes 0.0 from -0.0."""
    if left is None or right is None:
        return left is right

    if math.isnan(left) and math.isnan(right):
        return True

    return left == right and math.copysign(1.0, left) == math.copysign(1.0, right)


@pytest.fixture
def run(store: RunStore) -> Run:
    return store.create_run(name="live", tags=[], stop_rule={"patience": 2})


def test_append_inserts_new_epochs(store: RunStore, run: Run) -> None:
    rows = rows_of({1.0: {"loss": 0.9, "val_loss": 1.0}, 2.0: {"loss": 0.7}})

    result = store.append_epochs(run.id, rows)

    assert result.inserted == [1.0, 2.0]
    assert result.unchanged == []
    assert store.get_epochs(run.id) == rows


def test_append_out_of_order_returns_epoch_order(store: RunStore, run: Run) -> None:
    store.append_epochs(run.id, rows_of({5.0: {"loss": 0.5}, 2.0: {"loss": 0.8}}))
    store.append_epochs(run.id, rows_of({3.0: {"loss": 0.7}}))
    store.append_epochs(run.id, rows_of({1.0: {"loss": 0.9}, 4.0: {"loss": 0.6}}))

    epochs = [row.epoch for row in store.get_epochs(run.id)]

    assert epochs == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_append_reports_inserted_ascending(store: RunStore, run: Run) -> None:
    result = store.append_epochs(run.id, rows_of({3.0: {"a": 1.0}, 1.0: {"a": 1.0}}))

    assert result.inserted == [1.0, 3.0]


def test_append_fractional_epochs(store: RunStore, run: Run) -> None:
    # Hugging Face Trainer logs evaluations at fractional epochs.
    rows = rows_of({0.99: {"eval_loss": 0.4}, 1.98: {"eval_loss": 0.35}})

    store.append_epochs(run.id, rows)

    assert store.get_epochs(run.id) == rows
    assert store.append_epochs(run.id, rows).unchanged == [0.99, 1.98]


def test_reappend_identical_is_unchanged(store: RunStore, run: Run) -> None:
    rows = rows_of({1.0: {"loss": 0.9, "lr": None}, 2.0: {"loss": math.nan}})
    store.append_epochs(run.id, rows)

    result = store.append_epochs(run.id, rows)

    assert result.inserted == []
    assert result.unchanged == [1.0, 2.0]
    assert store.get_epochs(run.id) == rows


def test_reappend_with_new_epochs_inserts_only_new(store: RunStore, run: Run) -> None:
    store.append_epochs(run.id, rows_of({1.0: {"loss": 0.9}, 2.0: {"loss": 0.8}}))

    result = store.append_epochs(
        run.id, rows_of({2.0: {"loss": 0.8}, 3.0: {"loss": 0.7}, 0.0: {"loss": 1.0}})
    )

    assert result.inserted == [0.0, 3.0]
    assert result.unchanged == [2.0]
    assert [row.epoch for row in store.get_epochs(run.id)] == [0.0, 1.0, 2.0, 3.0]


def test_reappend_ignores_metric_order(store: RunStore, run: Run) -> None:
    store.append_epochs(run.id, rows_of({1.0: {"loss": 0.9, "acc": 0.5}}))

    result = store.append_epochs(run.id, rows_of({1.0: {"acc": 0.5, "loss": 0.9}}))

    assert result.unchanged == [1.0]


def test_reappend_negative_zero_equals_zero(store: RunStore, run: Run) -> None:
    store.append_epochs(run.id, rows_of({1.0: {"loss": 0.0}}))

    result = store.append_epochs(run.id, rows_of({1.0: {"loss": -0.0}}))

    assert result.unchanged == [1.0]


@pytest.mark.parametrize(
    ("stored", "sent", "expected"),
    [
        (
            {"loss": 0.5},
            {"loss": 0.6},
            [MetricConflict("loss", stored=0.5, sent=0.6)],
        ),
        (
            {"loss": math.nan},
            {"loss": None},
            [MetricConflict("loss", stored=math.nan, sent=None)],
        ),
        (
            {"loss": math.inf},
            {"loss": -math.inf},
            [MetricConflict("loss", stored=math.inf, sent=-math.inf)],
        ),
        (
            {"loss": 0.5, "acc": 0.9},
            {"loss": 0.5},
            [MetricConflict("acc", stored=0.9, sent=None, sent_present=False)],
        ),
        (
            {"loss": 0.5},
            {"loss": 0.5, "acc": None},
            [MetricConflict("acc", stored=None, sent=None, stored_present=False)],
        ),
        (
            {"val_loss": 0.5, "loss": 0.4},
            {"val_loss": 0.7, "loss": 0.3},
            [
                MetricConflict("loss", stored=0.4, sent=0.3),
                MetricConflict("val_loss", stored=0.5, sent=0.7),
            ],
        ),
    ],
)
def test_conflicting_reappend_raises(
    store: RunStore,
    run: Run,
    stored: Metrics,
    sent: Metrics,
    expected: list[MetricConflict],
) -> None:
    store.append_epochs(run.id, rows_of({4.0: stored}))

    with pytest.raises(EpochConflict, match="epoch 4.0 of run .* other values") as info:
        store.append_epochs(run.id, rows_of({4.0: sent}))

    conflict = info.value
    assert conflict.run_id == run.id
    assert conflict.epoch == 4.0
    assert conflict.conflicting_epochs == (4.0,)
    assert [item.metric for item in conflict.conflicts] == [
        item.metric for item in expected
    ]
    for actual, expected_item in zip(conflict.conflicts, expected, strict=True):
        assert same_value(actual.stored, expected_item.stored)
        assert same_value(actual.sent, expected_item.sent)
        assert actual.stored_present == expected_item.stored_present
        assert actual.sent_present == expected_item.sent_present
    assert store.get_epochs(run.id) == rows_of({4.0: stored})


def test_conflict_message_names_values(store: RunStore, run: Run) -> None:
    store.append_epochs(run.id, rows_of({2.0: {"val_loss": 0.25}}))

    with pytest.raises(EpochConflict, match=r"val_loss: stored 0\.25, sent 0\.5"):
        store.append_epochs(run.id, rows_of({2.0: {"val_loss": 0.5}}))


def test_conflict_is_a_store_error(store: RunStore, run: Run) -> None:
    store.append_epochs(run.id, rows_of({1.0: {"loss": 0.5}}))

    with pytest.raises(StoreError, match="already stored"):
        store.append_epochs(run.id, rows_of({1.0: {"loss": 0.6}}))


def test_conflict_with_new_epochs_writes_nothing(store: RunStore, run: Run) -> None:
    stored = rows_of({2.0: {"loss": 0.8}, 5.0: {"loss": 0.5}})
    store.append_epochs(run.id, stored)
    # New epochs on both sides of the conflicts, one identical resend.
    request = rows_of(
        {
            1.0: {"loss": 0.9},
            2.0: {"loss": 0.8},
            3.0: {"loss": 0.7},
            5.0: {"loss": 0.4},
            6.0: {"loss": 0.3},
        }
    )

    with pytest.raises(EpochConflict, match="epoch 5.0") as info:
        store.append_epochs(run.id, request)

    assert info.value.conflicting_epochs == (5.0,)
    assert store.get_epochs(run.id) == stored


def test_conflict_reports_lowest_epoch_and_lists_all(store: RunStore, run: Run) -> None:
    store.append_epochs(run.id, rows_of({3.0: {"loss": 0.7}, 8.0: {"loss": 0.2}}))

    with pytest.raises(EpochConflict, match="epoch 3.0") as info:
        store.append_epochs(
            run.id,
            rows_of({8.0: {"loss": 0.1}, 9.0: {"loss": 0.1}, 3.0: {"loss": 0.6}}),
        )

    assert info.value.epoch == 3.0
    assert info.value.conflicting_epochs == (3.0, 8.0)
    assert [row.epoch for row in store.get_epochs(run.id)] == [3.0, 8.0]


def test_store_accepts_appends_after_conflict(store: RunStore, run: Run) -> None:
    store.append_epochs(run.id, rows_of({1.0: {"loss": 0.9}}))
    with pytest.raises(EpochConflict, match="epoch 1.0"):
        store.append_epochs(run.id, rows_of({1.0: {"loss": 0.1}, 2.0: {"loss": 0.8}}))

    result = store.append_epochs(run.id, rows_of({2.0: {"loss": 0.8}}))

    assert result.inserted == [2.0]


@pytest.mark.parametrize(
    "value",
    [
        math.nan,
        math.inf,
        -math.inf,
        None,
        0.0,
        -0.0,
        0.1,
        1.0 / 3.0,
        sys.float_info.max,
        -sys.float_info.max,
        sys.float_info.min,
        5e-324,
        2.302585092994046,
        1e-300,
        123456789.123456789,
    ],
)
def test_metric_value_round_trips(
    store: RunStore, run: Run, value: float | None
) -> None:
    store.append_epochs(run.id, rows_of({1.0: {"val_loss": value}}))

    (row,) = store.get_epochs(run.id)

    assert same_value(row.metrics["val_loss"], value)
    assert store.append_epochs(
        run.id, rows_of({1.0: {"val_loss": value}})
    ).unchanged == [1.0]


def test_random_history_round_trips(store: RunStore, run: Run) -> None:
    rng = np.random.default_rng(20240607)
    values = rng.lognormal(mean=0.0, sigma=3.0, size=(200, 3))
    values[rng.random(values.shape) < 0.05] = np.nan
    values[rng.random(values.shape) < 0.02] = np.inf
    epochs = np.sort(rng.choice(10_000, size=200, replace=False)) / 7.0
    history: dict[float, Metrics] = {
        float(epoch): {
            "loss": float(loss),
            "val_loss": float(val_loss),
            "lr": float(lr),
        }
        for epoch, (loss, val_loss, lr) in zip(epochs, values, strict=True)
    }

    store.append_epochs(run.id, list(reversed(rows_of(history))))
    stored = store.get_epochs(run.id)

    assert [row.epoch for row in stored] == list(history)
    for row in stored:
        for name, value in history[row.epoch].items():
            assert same_value(row.metrics[name], value)


def test_metric_order_is_kept(store: RunStore, run: Run) -> None:
    store.append_epochs(
        run.id, rows_of({1.0: {"val_loss": 0.5, "loss": 0.4, "acc": 0.9}})
    )

    (row,) = store.get_epochs(run.id)

    assert list(row.metrics) == ["val_loss", "loss", "acc"]


def test_append_nothing_returns_empty_result(store: RunStore, run: Run) -> None:
    result = store.append_epochs(run.id, [])

    assert result.inserted == []
    assert result.unchanged == []


def test_append_nothing_to_unknown_run_raises(store: RunStore) -> None:
    with pytest.raises(RunNotFound, match="not found"):
        store.append_epochs("f" * 32, [])


def test_append_to_unknown_run_raises(store: RunStore) -> None:
    with pytest.raises(RunNotFound, match="run 'nope' not found") as info:
        store.append_epochs("nope", rows_of({1.0: {"loss": 0.5}}))

    assert info.value.run_id == "nope"


def test_get_epochs_of_unknown_run_raises(store: RunStore) -> None:
    with pytest.raises(RunNotFound, match="run 'nope' not found"):
        store.get_epochs("nope")


def test_get_epochs_of_new_run_is_empty(store: RunStore, run: Run) -> None:
    assert store.get_epochs(run.id) == []


def test_append_rejects_repeated_epoch(store: RunStore, run: Run) -> None:
    rows = [
        EpochRow(epoch=1.0, metrics={"loss": 0.5}),
        EpochRow(epoch=1.0, metrics={"loss": 0.5}),
    ]

    with pytest.raises(ValueError, match="rows must have distinct epochs, got 1.0"):
        store.append_epochs(run.id, rows)

    assert store.get_epochs(run.id) == []


def test_append_rejects_non_rows(store: RunStore, run: Run) -> None:
    with pytest.raises(TypeError, match="rows must contain EpochRow items"):
        store.append_epochs(run.id, [{"epoch": 1.0, "metrics": {}}])  # type: ignore[list-item]


def test_runs_keep_separate_epochs(store: RunStore) -> None:
    first = store.create_run(name=None, tags=[], stop_rule={})
    second = store.create_run(name=None, tags=[], stop_rule={})

    store.append_epochs(first.id, rows_of({1.0: {"loss": 0.5}}))
    result = store.append_epochs(second.id, rows_of({1.0: {"loss": 0.9}}))

    assert result.inserted == [1.0]
    assert store.get_epochs(first.id) == rows_of({1.0: {"loss": 0.5}})
    assert store.get_epochs(second.id) == rows_of({1.0: {"loss": 0.9}})
