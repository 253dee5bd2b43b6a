"""Runs in the store: create, get, list with pagination and tags, delete."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest
from store_support import StoreTarget
from store_support import count_rows
from store_support import migration_versions

from diagnose_api.store import EpochRow
from diagnose_api.store import InvalidCursor
from diagnose_api.store import Run
from diagnose_api.store import RunNotFound
from diagnose_api.store import RunStore


def create_runs(store: RunStore, tags_per_run: list[list[str]]) -> list[Run]:
    return [
        store.create_run(name=f"run {index}", tags=tags, stop_rule={})
        for index, tags in enumerate(tags_per_run)
    ]


def newest_first(runs: list[Run]) -> list[str]:
    ordered = sorted(runs, key=lambda run: (run.created_at, run.id), reverse=True)
    return [run.id for run in ordered]


def list_all_ids(store: RunStore, *, tag: str | None, limit: int) -> list[list[str]]:
    """Follow next_cursor from the first page to the last."""
    pages = []
    cursor = None
    while True:
        page = store.list_runs(tag=tag, limit=limit, cursor=cursor)
        pages.append([run.id for run in page.runs])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


def test_create_run_returns_stored_run(store: RunStore) -> None:
    before = datetime.now(UTC)
    stop_rule = {"monitor": "val_loss", "patience": 3, "min_delta": 0.001}

    run = store.create_run(
        name="resnet", tags=["cifar10", "sweep-7"], stop_rule=stop_rule
    )

    assert re.fullmatch(r"[0-9a-f]{32}", run.id)
    assert run.name == "resnet"
    assert run.tags == ("cifar10", "sweep-7")
    assert run.stop_rule == stop_rule
    assert run.created_at.tzinfo == UTC
    assert before - timedelta(seconds=1) <= run.created_at
    assert store.get_run(run.id) == run


def test_create_run_without_name_or_tags(store: RunStore) -> None:
    run = store.create_run(name=None, tags=[], stop_rule={})

    assert store.get_run(run.id) == run


def test_create_run_ids_are_distinct(store: RunStore) -> None:
    runs = create_runs(store, [[]] * 5)

    assert len({run.id for run in runs}) == 5


def test_stop_rule_round_trips_as_json(store: RunStore) -> None:
    stop_rule: dict[str, Any] = {"monitor": "val_acc", "mode": "max", "steps": (1, 2)}

    run = store.create_run(name=None, tags=[], stop_rule=stop_rule)

    assert run.stop_rule == {"monitor": "val_acc", "mode": "max", "steps": [1, 2]}
    assert store.get_run(run.id) == run


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ({"tags": ["a", "a"]}, ValueError, "tags must be distinct, got 'a' twice"),
        ({"tags": [""]}, ValueError, "tag must be a non-empty string"),
        ({"tags": "a"}, TypeError, "tags must be a list"),
        ({"stop_rule": {"baseline": float("nan")}}, ValueError, "stop_rule must be"),
        ({"stop_rule": {"when": object()}}, ValueError, "stop_rule must be"),
        ({"stop_rule": []}, TypeError, "stop_rule must be a dict"),
        ({"name": 7}, TypeError, "name must be a string or None"),
    ],
)
def test_create_run_rejects_invalid_arguments(
    store: RunStore, arguments: dict[str, Any], error: type[Exception], match: str
) -> None:
    defaults: dict[str, Any] = {"name": None, "tags": [], "stop_rule": {}}

    with pytest.raises(error, match=match):
        store.create_run(**(defaults | arguments))

    assert store.list_runs().runs == []


def test_get_run_unknown_id_returns_none(store: RunStore) -> None:
    assert store.get_run("0" * 32) is None


def test_list_runs_newest_first(store: RunStore) -> None:
    runs = create_runs(store, [[]] * 4)

    page = store.list_runs()

    assert [run.id for run in page.runs] == newest_first(runs)
    assert page.next_cursor is None


def test_list_runs_empty_store(store: RunStore) -> None:
    page = store.list_runs()

    assert page.runs == []
    assert page.next_cursor is None


@pytest.mark.parametrize(
    ("n_runs", "limit", "page_sizes"),
    [
        (5, 2, [2, 2, 1]),
        (4, 2, [2, 2]),
        (3, 3, [3]),
        (1, 50, [1]),
    ],
)
def test_list_runs_pages_cover_all_runs_once(
    store: RunStore, n_runs: int, limit: int, page_sizes: list[int]
) -> None:
    runs = create_runs(store, [[]] * n_runs)

    pages = list_all_ids(store, tag=None, limit=limit)

    assert [len(page) for page in pages] == page_sizes
    assert [run_id for page in pages for run_id in page] == newest_first(runs)


def test_list_runs_page_ignores_runs_created_after_cursor(store: RunStore) -> None:
    runs = create_runs(store, [[]] * 4)
    first = store.list_runs(limit=2)
    assert first.next_cursor is not None

    store.create_run(name="late", tags=[], stop_rule={})
    second = store.list_runs(limit=2, cursor=first.next_cursor)

    assert [run.id for run in second.runs] == newest_first(runs)[2:]
    assert second.next_cursor is None


def test_list_runs_filters_by_tag(store: RunStore) -> None:
    runs = create_runs(store, [["a"], ["b"], ["a", "b"], [], ["a"]])
    tagged_a = [run for run in runs if "a" in run.tags]
    tagged_b = [run for run in runs if "b" in run.tags]

    assert [run.id for run in store.list_runs(tag="a").runs] == newest_first(tagged_a)
    assert [run.id for run in store.list_runs(tag="b").runs] == newest_first(tagged_b)
    assert store.list_runs(tag="c").runs == []


def test_list_runs_paginates_within_tag(store: RunStore) -> None:
    runs = create_runs(store, [["a"], ["b"], ["a"], ["a"], ["b"], ["a"]])
    tagged = [run for run in runs if "a" in run.tags]

    pages = list_all_ids(store, tag="a", limit=3)

    assert [len(page) for page in pages] == [3, 1]
    assert [run_id for page in pages for run_id in page] == newest_first(tagged)


@pytest.mark.parametrize(
    "cursor",
    ["", "not a cursor", "bm90IGpzb24", "WzEsIDJd", "WyJ4IiwgImFiYyJd", "W10"],
)
def test_list_runs_rejects_invalid_cursor(store: RunStore, cursor: str) -> None:
    with pytest.raises(InvalidCursor, match="cursor .* is invalid"):
        store.list_runs(cursor=cursor)


def test_invalid_cursor_is_a_value_error(store: RunStore) -> None:
    with pytest.raises(ValueError, match="pass the next_cursor"):
        store.list_runs(cursor="x")


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ({"limit": 0}, ValueError, "limit must be between 1 and 1000, got 0"),
        ({"limit": 1001}, ValueError, "limit must be between 1 and 1000, got 1001"),
        ({"limit": 2.0}, TypeError, "limit must be an integer"),
        ({"limit": True}, TypeError, "limit must be an integer"),
        ({"tag": ""}, ValueError, "tag must be a non-empty string"),
    ],
)
def test_list_runs_rejects_invalid_arguments(
    store: RunStore, arguments: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        store.list_runs(**arguments)


def test_delete_run_removes_run_and_epochs(
    store: RunStore, store_target: StoreTarget
) -> None:
    remaining, deleted = create_runs(store, [["a"], ["a"]])
    rows = [EpochRow(epoch=1.0, metrics={"loss": 0.5})]
    store.append_epochs(remaining.id, rows)
    store.append_epochs(deleted.id, rows)

    assert store.delete_run(deleted.id) is True

    assert store.get_run(deleted.id) is None
    assert [run.id for run in store.list_runs(tag="a").runs] == [remaining.id]
    assert count_rows(store_target, "epochs") == 1
    assert count_rows(store_target, "run_tags") == 1
    assert store.get_epochs(remaining.id) == rows


def test_delete_run_twice_returns_false(store: RunStore) -> None:
    run = store.create_run(name=None, tags=[], stop_rule={})

    assert store.delete_run(run.id) is True
    assert store.delete_run(run.id) is False


def test_deleted_run_rejects_epochs(store: RunStore) -> None:
    run = store.create_run(name=None, tags=[], stop_rule={})
    store.delete_run(run.id)

    with pytest.raises(RunNotFound, match=f"run '{run.id}' not found"):
        store.append_epochs(run.id, [EpochRow(epoch=1.0, metrics={"loss": 0.5})])

    with pytest.raises(RunNotFound, match=f"run '{run.id}' not found"):
        store.get_epochs(run.id)


def test_ping_succeeds_on_open_store(store: RunStore) -> None:
    store.ping()


def test_store_reopens_after_close(store: RunStore) -> None:
    run = store.create_run(name=None, tags=[], stop_rule={})

    store.close()

    assert store.get_run(run.id) == run


def test_reopening_applies_no_migration(
    make_target: Callable[[], StoreTarget],
) -> None:
    target = make_target()
    first = target.open()
    first.close()

    second = target.open()
    second.close()

    assert first.migrations_applied == migration_versions(target)
    assert second.migrations_applied == ()
    assert count_rows(target, "schema_version") == len(first.migrations_applied)
