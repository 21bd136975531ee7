"""Keeping freed memory for the next note instead of handing it back to the OS (glibc only).

The engine allocates the same arrays of a few hundred kB for every note window and every block of
the onset detector. glibc's malloc hands the top of its heap back to the OS whenever more than its
trim threshold lies free there, so each window could touch its arrays' pages afresh: in a fresh
process judging window after window, about 330 page faults a window, a third of its features' time
(1.55 -> 1.09 ms measured); how often it happens depends on what the process allocated before.
:func:`keep_freed_memory` raises the trim threshold and fixes the mmap threshold (which glibc stops adapting once the trim
threshold is set), so that those pages are reused; what the process holds grows by at most the
trim threshold. Elsewhere (macOS, Windows, musl) it does nothing.
"""

from __future__ import annotations

import os
import sys

#: Free memory at the top of the heap kept for reuse, at most.
TRIM_THRESHOLD = 64 << 20
#: Blocks this large or larger are mapped on their own (and unmapped when freed), as glibc's
#: adaptive threshold would allow at most.
MMAP_THRESHOLD = 32 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters


def keep_freed_memory() -> bool:
    """Tune glibc's malloc as the module says; True when it was done."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        os.confstr("CS_GNU_LIBC_VERSION")  # glibc answers; musl has no such name
    except (ValueError, OSError):
        return False
    import ctypes

    libc = ctypes.CDLL(None)  # the symbols already in the process: glibc's
    mmap_set = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    return bool(mmap_set) and bool(libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
