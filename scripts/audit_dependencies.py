"""Audit the pinned runtime dependencies with pip-audit, tolerating outages.

Usage: ``python scripts/audit_dependencies.py [--strict] [LOCK] [-- PIP_AUDIT_ARGS]``

Runs ``pip-audit --requirement LOCK --no-deps --disable-pip`` (LOCK defaults
to requirements.lock, the exact versions the container installs) and exits

- 1 when pip-audit reports a known vulnerability in a pinned dependency,
  listing each one with its fix versions;
- 0 with a warning when the advisory service cannot be reached or returns no
  data for any dependency, because an outage of that service is no finding
  about this code (``--strict`` exits 2 instead);
- 1 on any other pip-audit failure (a bad lock file, an unpinned line).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"
# Fragments of pip-audit's error output that mean the advisory service could
# not be reached or failed, as opposed to a problem with the lock file.
OUTAGE_MARKERS = (
    "ConnectionError",
    "Timeout",
    "NameResolutionError",
    "Max retries exceeded",
    "ServiceError",
    "Could not connect",
    "Temporary failure in name resolution",
    "Connection refused",
)
EXIT_OK = 0
EXIT_VULNERABLE = 1
EXIT_UNAVAILABLE_STRICT = 2


@dataclass(frozen=True)
class Vulnerability:
    """A known vulnerability of one pinned dependency."""

    package: str
    version: str
    ids: tuple[str, ...]
    fix_versions: tuple[str, ...]


@dataclass(frozen=True)
class AuditReport:
    """Findings of one pip-audit JSON report on the lock file."""

    n_dependencies: int
    skipped: tuple[str, ...]
    vulnerabilities: tuple[Vulnerability, ...]


def parse_report(document: dict) -> AuditReport:
    """Read pip-audit's ``--format json`` output."""
    skipped = []
    vulnerabilities = []
    dependencies = document.get("dependencies", [])
    for dependency in dependencies:
        if "skip_reason" in dependency:
            skipped.append(f"{dependency['name']}: {dependency['skip_reason']}")
            continue
        for vuln in dependency.get("vulns", []):
            vulnerabilities.append(
                Vulnerability(
                    package=dependency["name"],
                    version=dependency["version"],
                    ids=(vuln["id"], *vuln.get("aliases", [])),
                    fix_versions=tuple(vuln.get("fix_versions", [])),
                )
            )
    return AuditReport(
        n_dependencies=len(dependencies),
        skipped=tuple(skipped),
        vulnerabilities=tuple(vulnerabilities),
    )


def is_outage(stderr: str) -> bool:
    """Return whether pip-audit's error output shows an advisory-service outage."""
    return any(marker in stderr for marker in OUTAGE_MARKERS)


def run_pip_audit(lock: Path, extra_args: list[str]) -> tuple[int, str, dict | None]:
    """Run pip-audit on ``lock``; return its exit status, stderr and JSON report."""
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "audit.json"
        command = [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            str(lock),
            "--no-deps",
            "--disable-pip",
            "--format",
            "json",
            "--output",
            str(output),
            "--progress-spinner",
            "off",
            *extra_args,
        ]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        document = json.loads(output.read_text()) if output.exists() else None
    return completed.returncode, completed.stderr, document


def unavailable(reason: str, strict: bool) -> int:
    print(f"pip-audit: advisory data unavailable, audit inconclusive: {reason}")
    if strict:
        return EXIT_UNAVAILABLE_STRICT
    print("pip-audit: not failing the build for an outage (pass --strict to fail).")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Audit the lock file and return the exit status described in the module."""
    argv = sys.argv[1:] if argv is None else argv
    # Arguments after "--" go to pip-audit unchanged.
    own, pip_audit_args = argv, []
    if "--" in argv:
        split = argv.index("--")
        own, pip_audit_args = argv[:split], argv[split + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", nargs="?", type=Path, default=DEFAULT_LOCK)
    parser.add_argument("--strict", action="store_true", help="exit 2 on an outage")
    args = parser.parse_args(own)

    status, stderr, document = run_pip_audit(args.lock, pip_audit_args)
    if document is None:
        if status != 0 and is_outage(stderr):
            last_line = stderr.strip().splitlines()[-1] if stderr.strip() else ""
            return unavailable(last_line, args.strict)
        if status != 0:
            print(stderr, file=sys.stderr)
            print(f"pip-audit failed with exit status {status}", file=sys.stderr)
            return EXIT_VULNERABLE
        return unavailable("pip-audit wrote no report", args.strict)

    report = parse_report(document)
    for vulnerability in report.vulnerabilities:
        fixes = ", ".join(vulnerability.fix_versions) or "none published"
        print(
            f"VULNERABLE {vulnerability.package}=={vulnerability.version}: "
            f"{', '.join(vulnerability.ids)} (fixed in {fixes})"
        )
    if report.vulnerabilities:
        print(
            f"pip-audit: {len(report.vulnerabilities)} known vulnerabilities in "
            f"{args.lock.name}; raise the pins (make lock) or the lower bounds."
        )
        return EXIT_VULNERABLE
    if status != 0:
        print(stderr, file=sys.stderr)
        print(f"pip-audit failed with exit status {status}", file=sys.stderr)
        return EXIT_VULNERABLE
    n_audited = report.n_dependencies - len(report.skipped)
    if report.n_dependencies and n_audited == 0:
        return unavailable(
            f"no advisory data for any of {report.n_dependencies} dependencies "
            f"(first: {report.skipped[0]})",
            args.strict,
        )
    for line in report.skipped:
        print(f"pip-audit: not audited: {line}")
    print(
        f"pip-audit: no known vulnerabilities in {n_audited} of "
        f"{report.n_dependencies} pinned dependencies."
    )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
