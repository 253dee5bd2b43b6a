"""Build small histories from lists for analyzer tests."""

from __future__ import annotations

from diagnose_api.analysis.context import Options
from diagnose_api.analysis.diagnose import diagnose
from diagnose_api.analysis.history import History
from diagnose_api.analysis.result import Diagnosis


def run(
    epochs: list[float] | None = None, options: Options | None = None, **series: list
) -> Diagnosis:
    """Diagnose a history given as keyword lists (None marks a missing value)."""
    return diagnose(History.from_lists(series, epochs), options)


def codes(diagnosis: Diagnosis) -> set[str]:
    return {finding.code for finding in diagnosis.findings}


def finding(diagnosis: Diagnosis, code: str):
    matches = [f for f in diagnosis.findings if f.code == code]
    assert matches, f"{code} not among {sorted(codes(diagnosis))}"
    return matches[0]


def skipped(diagnosis: Diagnosis) -> set[str]:
    return {check.check for check in diagnosis.skipped_checks}
