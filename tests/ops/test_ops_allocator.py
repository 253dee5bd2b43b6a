"""Allocator settings keep freed memory mapped, in a process and under gunicorn.

Each case runs in a fresh interpreter, because glibc's thresholds are
process-wide and adapt to what the process has allocated before. The
child allocates and frees forty 1 MB arrays three times, the shape of a
100,000-point diagnosis, and reports the minor page faults of the last
round: a process that gives freed memory back to the kernel faults on
every page again.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
N_ARRAYS = 40
ARRAY_FLOATS = 125_000  # 1 MB each
PAGES_PER_ROUND = N_ARRAYS * ARRAY_FLOATS * 8 // 4096

CHILD = f"""
import json, resource, runpy, sys
import numpy as np
setup = sys.argv[1]
applied = None
if setup == "function":
    from diagnose_api.allocator import keep_freed_memory
    applied = keep_freed_memory()
elif setup == "gunicorn_config":
    runpy.run_path(sys.argv[2])

def one_round():
    arrays = [np.ones({ARRAY_FLOATS}) for _ in range({N_ARRAYS})]
    del arrays

one_round()
one_round()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
one_round()
after = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
print(json.dumps({{"faults": after - before, "applied": applied}}))
"""

needs_glibc = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="mallopt is a glibc function"
)


def faults_of_last_round(setup: str, setting: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DIAGNOSE_KEEP_FREED_MEMORY"}
    if setting is not None:
        env["DIAGNOSE_KEEP_FREED_MEMORY"] = setting
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, setup, str(ROOT / "gunicorn.conf.py")],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    result: dict = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


@needs_glibc
def test_default_allocator_faults_on_every_round() -> None:
    # The reference the other cases are compared with: without the settings,
    # most pages of the round are mapped again.
    assert faults_of_last_round("none")["faults"] > PAGES_PER_ROUND // 2


@needs_glibc
def test_keep_freed_memory_reuses_pages() -> None:
    result = faults_of_last_round("function")
    assert result["applied"] is True
    assert result["faults"] < PAGES_PER_ROUND // 20


@needs_glibc
@pytest.mark.parametrize(
    ("setting", "keeps"), [(None, True), ("1", True), ("0", False)]
)
def test_gunicorn_config_applies_setting(setting: str | None, keeps: bool) -> None:
    faults = faults_of_last_round("gunicorn_config", setting)["faults"]
    if keeps:
        assert faults < PAGES_PER_ROUND // 20
    else:
        assert faults > PAGES_PER_ROUND // 2
