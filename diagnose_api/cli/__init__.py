"""The ``diagnose-api`` command: serve, check log files, print the OpenAPI document.

::

    diagnose-api serve [--bind HOST:PORT] [--workers N] [--config FILE]
    diagnose-api check [--json] [--fail-on LEVEL] [--format NAME] [options] PATH...
    diagnose-api openapi > openapi.yaml
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import ValidationError

from diagnose_api.cli.levels import RISK_LEVELS
from diagnose_api.ingest import FORMATS


@dataclass(frozen=True)
class OptionFlag:
    """A flag of `check` that sets the OptionsSchema field ``name``."""

    name: str
    type: Callable[[str], Any]
    help: str
    choices: tuple[str, ...] | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


OPTION_FLAGS = (
    OptionFlag("monitor", str, "series the stop rules watch (default val_loss)"),
    OptionFlag("mode", str, "direction of the monitor", ("auto", "min", "max")),
    OptionFlag("patience", int, "evaluations without improvement before stopping"),
    OptionFlag("min_delta", float, "smallest change that counts as an improvement"),
    OptionFlag("baseline", float, "value the monitor must beat to improve"),
    OptionFlag("start_from_epoch", int, "epochs before the stop rule starts"),
    OptionFlag("stopping_threshold", float, "stop once the monitor reaches this"),
    OptionFlag("divergence_threshold", float, "stop once the monitor is worse"),
    OptionFlag("smoothing", float, "TensorBoard smoothing weight in [0, 1)"),
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="diagnose-api",
        description="Tell from a training history whether a model is overfitting.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP service under gunicorn")
    serve.add_argument("--bind", help="HOST:PORT to listen on (default 127.0.0.1:8000)")
    serve.add_argument(
        "--workers", type=_positive_int, help="worker processes (default 2)"
    )
    serve.add_argument(
        "--config",
        type=Path,
        help="gunicorn config file (default: the project's gunicorn.conf.py)",
    )

    check = commands.add_parser(
        "check",
        help="diagnose log files or training output folders",
        description="Diagnose each log file or training output folder and print "
        "a report. Exit status: 2 when a file cannot be read, else 1 when a "
        "file's risk level reaches --fail-on, else 0.",
    )
    check.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="log file or output folder"
    )
    check.add_argument(
        "--json", action="store_true", help="print one JSON document instead of reports"
    )
    check.add_argument(
        "--fail-on",
        choices=RISK_LEVELS,
        default="none",
        help="exit 1 when a file's risk level is this or higher (default none: never)",
    )
    check.add_argument(
        "--format",
        choices=FORMATS,
        metavar="NAME",
        help="format of the files, one of " + ", ".join(FORMATS) + "; detected "
        "when left out",
    )
    for option in OPTION_FLAGS:
        check.add_argument(
            option.flag,
            dest=option.name,
            type=option.type,
            choices=option.choices,
            help=option.help,
        )
    check.add_argument(
        "--no-check-finite",
        dest="check_finite",
        action="store_false",
        default=None,
        help="let Lightning's rule go on past a NaN or infinite monitored value",
    )

    commands.add_parser("openapi", help="print the OpenAPI document (YAML) to stdout")
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        from diagnose_api.cli.serve import serve

        serve(args.config, args.bind, args.workers)
    if args.command == "openapi":
        from diagnose_api.openapi import spec_yaml

        print(spec_yaml(), end="")
        return 0
    return _check(parser, args)


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from diagnose_api.cli.check import run_check
    from diagnose_api.config import load_settings
    from diagnose_api.errors import flatten_messages
    from diagnose_api.schemas.request import OptionsSchema

    options = {
        option.name: getattr(args, option.name)
        for option in OPTION_FLAGS
        if getattr(args, option.name) is not None
    }
    if args.check_finite is not None:
        options["check_finite"] = args.check_finite
    try:
        OptionsSchema().load(options)
    except ValidationError as error:
        path, messages = next(iter(flatten_messages(error.messages).items()))
        parser.error(f"argument --{path.replace('_', '-')}: {' '.join(messages)}")
    try:
        settings = load_settings()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return run_check(
        args.paths,
        format=args.format,
        options=options,
        settings=settings,
        fail_on=args.fail_on,
        as_json=args.json,
    )
