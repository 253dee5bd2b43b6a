"""``diagnose-api check``: diagnose log files and training output folders.

Exit status: 2 when any file cannot be read or fails a request check, and
the message with its line number goes to stderr. Otherwise 1 when any
file's risk level reaches ``--fail-on``, else 0. Every file is reported,
whatever happens to the others.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import TextIO

from marshmallow import ValidationError

from diagnose_api.analysis.diagnose import diagnose
from diagnose_api.analysis.result import Diagnosis
from diagnose_api.cli.levels import reaches
from diagnose_api.cli.report import render_report
from diagnose_api.errors import flatten_messages
from diagnose_api.ingest import DEFAULT_MAX_BYTES
from diagnose_api.ingest import IngestError
from diagnose_api.ingest import ParsedLog
from diagnose_api.ingest import read_log
from diagnose_api.ingest import read_path
from diagnose_api.schemas.diagnosis import DiagnosisSchema
from diagnose_api.schemas.log_request import DEFAULT_MAX_LOG_ROWS
from diagnose_api.schemas.log_request import request_from_parsed
from diagnose_api.schemas.request import DiagnoseRequest

EXIT_OK = 0
EXIT_RISK = 1
EXIT_UNREADABLE = 2


@dataclass(frozen=True)
class FileOutcome:
    """One file's result: its diagnosis, or the message of why it has none."""

    path: str
    format: str | None
    request: DiagnoseRequest | None
    diagnosis: Diagnosis | None
    error: str | None
    line: int | None = None


def check_file(
    path: Path,
    *,
    format: str | None,
    options: Mapping[str, Any],
    settings: Mapping[str, Any],
) -> FileOutcome:
    """Read, load and diagnose one file or output folder."""
    max_rows = int(settings.get("MAX_LOG_ROWS") or DEFAULT_MAX_LOG_ROWS)
    try:
        parsed = _read(path, format, max_rows)
        request = request_from_parsed(
            parsed, options=options, limits=settings, source="file"
        )
    except IngestError as error:
        return FileOutcome(str(path), None, None, None, str(error), error.line)
    except ValidationError as error:
        message = _describe(flatten_messages(error.messages))
        return FileOutcome(str(path), None, None, None, message)
    except OSError as error:
        message = f"Cannot read the file: {error.strerror or error}."
        return FileOutcome(str(path), None, None, None, message)
    diagnosis = diagnose(request.history, request.options)
    return FileOutcome(str(path), parsed.format, request, diagnosis, None)


def _describe(errors: dict[str, list[str]]) -> str:
    """Word request-check errors for the command line: options as flags."""
    parts: list[str] = []
    for path, messages in errors.items():
        head, _, rest = path.partition(".")
        if head == "file" and not rest:
            where = ""
        elif head == "file":
            where = f"series {rest}: "
        elif head == "options":
            where = f"--{rest.replace('_', '-')}: "
        else:
            where = f"{path}: "
        parts.extend(where + message for message in messages)
    return " ".join(parts)


def _read(path: Path, format: str | None, max_rows: int) -> ParsedLog:
    if format is None:
        return read_path(path, max_rows=max_rows)
    if not path.is_file():
        raise IngestError(
            "a file when --format is given",
            got=repr(str(path)),
            fix="Leave out --format to read a training output folder.",
        )
    return read_log(
        path.read_bytes(),
        format=format,
        filename=path.name,
        max_bytes=DEFAULT_MAX_BYTES,
        max_rows=max_rows,
    )


def run_check(
    paths: list[Path],
    *,
    format: str | None,
    options: Mapping[str, Any],
    settings: Mapping[str, Any],
    fail_on: str,
    as_json: bool,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Check every path, print the reports, and return the exit status.

    ``stdout`` and ``stderr`` default to the ``sys`` streams at call time.
    """
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    outcomes = [
        check_file(path, format=format, options=options, settings=settings)
        for path in paths
    ]
    for outcome in outcomes:
        if outcome.error is not None:
            print(f"{outcome.path}: {outcome.error}", file=stderr)
    if as_json:
        document = {"files": [_as_json(outcome) for outcome in outcomes]}
        print(json.dumps(document, indent=2, allow_nan=False), file=stdout)
    else:
        reports = [
            render_report(
                outcome.path,
                outcome.format or "",
                outcome.request.history,
                outcome.diagnosis,
            )
            for outcome in outcomes
            if outcome.diagnosis is not None and outcome.request is not None
        ]
        print("\n".join(reports), end="", file=stdout)
    if any(outcome.error is not None for outcome in outcomes):
        return EXIT_UNREADABLE
    if any(
        reaches(outcome.diagnosis.risk.level, fail_on)
        for outcome in outcomes
        if outcome.diagnosis is not None
    ):
        return EXIT_RISK
    return EXIT_OK


def _as_json(outcome: FileOutcome) -> dict[str, Any]:
    diagnosis = None
    if outcome.diagnosis is not None:
        diagnosis = DiagnosisSchema().dump(outcome.diagnosis)
    error = None
    if outcome.error is not None:
        error = {"message": outcome.error, "line": outcome.line}
    return {
        "path": outcome.path,
        "format": outcome.format,
        "diagnosis": diagnosis,
        "error": error,
    }
