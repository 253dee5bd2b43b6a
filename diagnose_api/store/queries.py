"""SQL text shared by the SQLite and PostgreSQL backends."""

from __future__ import annotations

RUN_COLUMNS = "runs.id, runs.name, runs.tags, runs.stop_rule, runs.created_at"


def list_runs_query(
    *,
    tag: str | None,
    after: tuple[object, str] | None,
    limit: int,
    placeholder: str,
) -> tuple[str, list[object]]:
    """Build the keyset query for one page of runs, newest first.

    Parameters
    ----------
    tag : str or None
        Only runs with this tag; None for all runs.
    after : tuple or None
        ``(created_at, id)`` of the previous page's last run, in the
        backend's column type; None for the first page.
    limit : int
        Rows to fetch. Callers ask for one more than the page size to learn
        whether another page follows.
    placeholder : str
        The driver's parameter marker: ``?`` for sqlite3, ``%s`` for psycopg.

    Returns
    -------
    tuple of (str, list)
        The statement and its parameters.
    """
    if tag is None:
        sql = f"SELECT {RUN_COLUMNS} FROM runs"
        created_at, run_id = "runs.created_at", "runs.id"
        conditions: list[str] = []
        parameters: list[object] = []
    else:
        # run_tags repeats created_at, so its index orders the page.
        sql = (
            f"SELECT {RUN_COLUMNS} FROM run_tags JOIN runs ON runs.id = run_tags.run_id"
        )
        created_at, run_id = "run_tags.created_at", "run_tags.run_id"
        conditions = [f"run_tags.tag = {placeholder}"]
        parameters = [tag]

    if after is not None:
        conditions.append(f"({created_at}, {run_id}) < ({placeholder}, {placeholder})")
        parameters += list(after)

    if conditions:
        sql += " WHERE " + " AND ".join(conditions)

    sql += f" ORDER BY {created_at} DESC, {run_id} DESC LIMIT {placeholder}"
    parameters.append(limit)
    return sql, parameters
