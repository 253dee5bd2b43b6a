"""glibc malloc settings that keep a worker's freed memory for the next request.

A diagnosis of 4 x 100,000 points allocates dozens of arrays of 0.8 MB. By
default glibc serves blocks that large with ``mmap`` and gives them back
with ``munmap``, and it trims the free top of the heap above a threshold
that starts at 128 KiB. Each request then maps its memory afresh, and the
kernel zeroes every page on first touch: about 9,000 minor page faults per
100,000-point diagnosis on the machine of ``make bench``, a quarter of its
time.

``keep_freed_memory`` raises both thresholds, so blocks up to
``MMAP_THRESHOLD_BYTES`` come from the heap and up to
``TRIM_THRESHOLD_BYTES`` of free heap stays mapped for reuse. The peak
memory of a request does not change. A worker keeps its largest
request's memory between requests instead of returning it.
"""

from __future__ import annotations

import ctypes
import ctypes.util

# mallopt parameter numbers from glibc's malloc.h.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# glibc caps the mmap threshold at 32 MiB on 64-bit systems.
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024
TRIM_THRESHOLD_BYTES = 256 * 1024 * 1024


def keep_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds for this process.

    M_MMAP_THRESHOLD = 32 MiB and M_TRIM_THRESHOLD = 256 MiB, through
    ``mallopt``. Processes forked afterwards (gunicorn workers) inherit
    the settings.

    Returns
    -------
    bool
        True when both settings were applied; False on a C library without
        ``mallopt`` (musl, macOS), where nothing changes.
    """
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    mmap_set = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
    trim_set = mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1
    return mmap_set and trim_set
