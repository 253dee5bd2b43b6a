"""Stored histories loaded as the API loads them, with their diagnoses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from histories import request_body

from diagnose_api.analysis.diagnose import diagnose
from diagnose_api.analysis.result import Diagnosis
from diagnose_api.schemas.request import DiagnoseRequest
from diagnose_api.schemas.request import DiagnoseRequestSchema

OVERFIT = "01_se485194_classic-overfit-val-acc-peak"
NAN_AT_309 = "05_relernn26_loss-nan-at-epoch-309"


@dataclass(frozen=True)
class Run:
    """A stored history loaded as the API loads it, and its diagnosis."""

    request: DiagnoseRequest
    diagnosis: Diagnosis


@cache
def load_run(name: str) -> Run:
    """Load and diagnose a history of tests/data by name, once per process."""
    # The JSON round trip turns float NaN into the NaN token, as a client sends it.
    body = json.loads(json.dumps(request_body(name)))
    request = DiagnoseRequestSchema().load(body)
    return Run(request, diagnose(request.history, request.options))
