"""Work around a reference-counting bug of the installed Qt binding, detected at import time.

PySide6 6.12's stable-ABI wheels return ``None`` from void methods without taking a reference
(correct only where ``None`` is immortal, Python ≥ 3.12). On Python 3.11 every such call, e.g.
``setText``, ``update``, pyqtgraph's axis resizing, lowers ``None``'s count by one, and after some
thousands of calls Python aborts with "none_dealloc: deallocating None". When the bug is measured,
``None``, ``True`` and ``False`` (signals with a ``bool`` argument have the same fault) are given
reference counts no session can exhaust, which makes them as immortal as on 3.12.
"""

from __future__ import annotations

import ctypes
import sys

#: Added to ``None``'s count when the bug is present (a void call costs one).
HEADROOM = 1 << 50


def void_call_leaks_none() -> bool:
    """True when a void PySide6 method drops a reference to ``None``."""
    from PySide6.QtCore import QObject

    probe = QObject()
    calls = 64
    before = sys.getrefcount(None)
    for _ in range(calls):
        probe.setObjectName("probe")
    return before - sys.getrefcount(None) >= calls // 2


def apply() -> bool:
    """Detect the bug and, if present, make the singletons effectively immortal; returns whether it did."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not void_call_leaks_none():
        return False
    for singleton in (None, True, False):
        refcnt = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt is the first field of PyObject
        refcnt.value += HEADROOM
    return True


APPLIED = apply()
