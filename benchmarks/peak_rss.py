"""Peak resident memory of one ``diagnose()`` call, in a fresh process.

Usage: ``python -m benchmarks.peak_rss N_POINTS``; prints one JSON object
with ``ru_maxrss`` (KiB) after the imports and the history are ready, and
after the diagnosis.
"""

from __future__ import annotations

import json
import resource
import sys

from benchmarks.histories import history_of
from diagnose_api.analysis.diagnose import diagnose


def main() -> None:
    n_points = int(sys.argv[1])
    history = history_of(n_points)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    diagnose(history)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"ready_kib": before, "peak_kib": after}))


if __name__ == "__main__":
    main()
