"""Description of the machine and software of a benchmark run, read from /proc."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

PACKAGES = ("numpy", "scipy", "flask", "marshmallow", "gunicorn", "orjson")
BLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")


@dataclass(frozen=True)
class Machine:
    """The hardware, software and environment of one benchmark run."""

    date: str
    cpu_model: str
    n_cores: int
    memory_gib: float
    kernel: str
    python: str
    packages: dict[str, str]
    blas_variables: dict[str, str]
    commit: str
    load_average: tuple[float, float, float]


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return float("nan")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _commit(root: Path) -> str:
    try:
        result = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return result.stdout.strip()


def describe_machine(root: Path) -> Machine:
    """Read the machine's description now."""
    return Machine(
        date=datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC"
        ),
        cpu_model=_cpu_model(),
        n_cores=len(os.sched_getaffinity(0)),
        memory_gib=_memory_gib(),
        kernel=platform.release(),
        python=platform.python_version(),
        packages={name: _version(name) for name in PACKAGES},
        blas_variables={name: os.environ.get(name, "unset") for name in BLAS_VARIABLES},
        commit=_commit(root),
        load_average=os.getloadavg(),
    )
