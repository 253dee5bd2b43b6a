"""Loading the real histories in tests/data and their expectations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
ROLE_KEYS = ("loss", "val_loss", "accuracy", "val_accuracy")


# Folders of histories, each with an expected.json: the real histories from
# public reports, and the runs of scripts/make_training_histories.py.
FOLDERS = (DATA, DATA / "training")


def _expected(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "expected.json").read_text())


def history_names() -> list[str]:
    names = []
    for folder in FOLDERS:
        prefix = "" if folder == DATA else f"{folder.name}/"
        names += [prefix + name for name in _expected(folder) if not name.startswith("_")]
    return sorted(names)


def _split(name: str) -> tuple[Path, str]:
    if "/" in name:
        folder, stem = name.split("/", 1)
        return DATA / folder, stem
    return DATA, name


def expectations(name: str) -> dict[str, Any]:
    folder, stem = _split(name)
    return _expected(folder)[stem]


def load_record(name: str) -> dict[str, Any]:
    folder, stem = _split(name)
    return json.loads((folder / f"{stem}.json").read_text())


def request_body(name: str) -> dict[str, Any]:
    """The body a client would POST for a stored history.

    String 'NaN' values in the files are the JSON-safe spelling of float NaN;
    they become float('nan') here, which ``json.dumps`` writes as NaN tokens.
    """
    record = load_record(name)
    n = len(record["epochs"])
    history: dict[str, list[float | None]] = {}
    for key in ROLE_KEYS:
        if record.get(key) is not None:
            history[key] = [_number(v) for v in record[key]]
    for key, values in (record.get("other_metrics") or {}).items():
        if isinstance(values, list) and len(values) == n:
            history[key] = [_number(v) for v in values]
    return {"history": history, "epochs": record["epochs"]}


def _number(value: Any) -> float | None:
    if value is None:
        return None
    return float(value)


def post_json(client: Any, path: str, body: Any) -> Any:
    """POST a body as Python's json module writes it (NaN tokens included)."""
    return client.post(path, data=json.dumps(body), content_type="application/json")
