"""Diagnosis options given as URL query parameters (``?patience=3&monitor=val_loss``).

Query values are strings. Each becomes the JSON type its OptionsSchema
field expects, and then the schema checks it, so a query option passes the
same checks as one in a JSON body. Only whole-number strings become
integers, because the integer fields are strict. Floats and booleans are
parsed by their own fields. Strings that do not convert stay strings, and
the schema rejects them with its message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from typing import Protocol

from marshmallow import ValidationError
from marshmallow import fields

from diagnose_api.schemas.request import OptionsSchema

# Query parameters that select how a log is read rather than how it is diagnosed.
READER_PARAMETERS = frozenset({"format"})
_WHOLE_NUMBER = re.compile(r"[+-]?\d{1,18}")


class QueryArgs(Protocol):
    """The part of werkzeug's MultiDict that this module reads."""

    def __iter__(self) -> Iterator[str]: ...

    def getlist(self, key: str) -> list[str]: ...


def options_from_query(args: QueryArgs, source: str = "query") -> dict[str, Any]:
    """Collect the options among the query parameters, typed for OptionsSchema.

    Parameters other than options and ``READER_PARAMETERS`` are kept, so that
    the schema rejects them as unknown options.

    Raises
    ------
    marshmallow.ValidationError
        When a parameter is given more than once, keyed ``<source>.<name>``.
    """
    option_fields = OptionsSchema().fields
    options: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in args:
        if name in READER_PARAMETERS:
            continue
        values = args.getlist(name)
        if len(values) > 1:
            errors[f"{source}.{name}"] = [
                f"Given {len(values)} times; give each option once."
            ]
            continue
        options[name] = _typed(option_fields.get(name), values[0])
    if errors:
        raise ValidationError(errors)
    return options


def _typed(field: fields.Field | None, value: str) -> Any:
    if isinstance(field, fields.Integer) and _WHOLE_NUMBER.fullmatch(value):
        return int(value)
    return value
