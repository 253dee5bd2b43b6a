"""``diagnose-api serve``: replace this process with gunicorn.

The process execs gunicorn (``os.execve``), so signals such as SIGTERM
from a container runtime reach gunicorn itself. ``--bind`` and
``--workers`` are passed as ``DIAGNOSE_BIND`` and ``DIAGNOSE_WORKERS``,
which the project's ``gunicorn.conf.py`` reads.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

# gunicorn.conf.py sits at the root of a source checkout, beside the package.
DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
APP = "diagnose_api:create_app()"


def gunicorn_command(config: Path) -> list[str]:
    """Return the command line that starts gunicorn with ``config``."""
    return [sys.executable, "-m", "gunicorn", "-c", str(config), APP]


def serve(config: Path | None, bind: str | None, workers: int | None) -> NoReturn:
    """Exec gunicorn; exits with status 2 when the config file is missing."""
    config = config or DEFAULT_CONFIG
    if not config.is_file():
        print(
            f"error: gunicorn config {str(config)!r} not found; pass --config "
            "with the path of the project's gunicorn.conf.py.",
            file=sys.stderr,
        )
        raise SystemExit(2)
    environ = dict(os.environ)
    if bind is not None:
        environ["DIAGNOSE_BIND"] = bind
    if workers is not None:
        environ["DIAGNOSE_WORKERS"] = str(workers)
    command = gunicorn_command(config)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(command[0], command, environ)
