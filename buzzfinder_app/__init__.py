"""buzzfinder: hear whether each guitar note is clean, buzzy or muted."""

import os

# The app multiplies small matrices one note at a time; OpenBLAS's worker threads only add
# contention there (a 89x513 by 513x64 product took 15 ms instead of 0.13 ms on a busy 2-core
# machine). Must be set before numpy is first imported; an explicit setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from buzzfinder_app.allocator import keep_freed_memory  # noqa: E402

keep_freed_memory()  # each note's arrays reuse the last one's pages (glibc)

__version__ = "0.1.0"
