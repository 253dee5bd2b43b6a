"""Parse the numbers that training logs print, NaN and infinity included."""

from __future__ import annotations

import re

# A decimal as Python, Keras and CSV writers print it. A trailing dot ("0.")
# is rejected because the loggers read here never print one: it marks a line
# cut off mid-value.
DECIMAL_PATTERN = r"[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?"
NON_FINITE_PATTERN = r"[-+]?(?:nan|inf(?:inity)?)"
NUMBER_PATTERN = rf"(?:{DECIMAL_PATTERN}|(?i:{NON_FINITE_PATTERN}))"


def parse_number(token: str) -> float | None:
    """Return the float that ``token`` spells, or None when it is no number.

    Accepts decimals with optional exponent and the spellings of NaN and
    infinity that Python, numpy, JavaScript and C print (``nan``, ``NaN``,
    ``-nan``, ``inf``, ``-inf``, ``Infinity``), with surrounding spaces.
    """
    stripped = token.strip()
    # float() also accepts "1_000", "1." and non-ASCII digits, which no
    # logger prints; the checks before it reject them cheaply.
    if not stripped.isascii() or "_" in stripped or stripped.endswith("."):
        return None
    try:
        return float(stripped)
    except ValueError:
        return None


def parse_json_number(value: object) -> float | None:
    """Return a JSON value as a float, or None when it is not a number.

    Numbers (not booleans) convert directly; the strings ``"NaN"``,
    ``"Infinity"`` and ``"-Infinity"`` that protobuf's JSON mapping writes
    for non-finite floats convert too.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and re.fullmatch(
        NON_FINITE_PATTERN, value.strip(), re.IGNORECASE
    ):
        return parse_number(value)
    return None
