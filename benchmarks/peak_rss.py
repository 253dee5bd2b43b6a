"""Peak resident memory of one ``diagnose()`` call, in a fresh process.

Usage: ``python -m benchmarks.peak_rss N_POINTS``. It prints one JSON
object with four sizes in KiB. ``ready_kib`` and ``peak_kib`` are
``ru_maxrss``, the process's lifetime peak, once the history is ready and
after the diagnosis. ``rss_before_call_kib`` and ``rss_peak_call_kib`` are
the resident set before the call and its peak during the call, read from
VmHWM after resetting it through /proc/self/clear_refs (Linux 4.0 and
later), so that the peak of building the history does not hide the call's.
"""

from __future__ import annotations

import gc
import json
import resource
import sys
from pathlib import Path

from benchmarks.histories import history_of
from diagnose_api.analysis.diagnose import diagnose


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def main() -> None:
    n_points = int(sys.argv[1])
    history = history_of(n_points)
    gc.collect()
    ready = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kib("VmRSS")
    diagnose(history)
    during = _status_kib("VmHWM")
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "ready_kib": ready,
                "peak_kib": after,
                "rss_before_call_kib": before,
                "rss_peak_call_kib": during,
            }
        )
    )


if __name__ == "__main__":
    main()
