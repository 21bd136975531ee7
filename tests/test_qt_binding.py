"""The installed Qt binding keeps Python's reference counts right.

PySide6 6.12.0's stable-ABI wheels return ``None`` from void methods, and pass ``bool`` signal
arguments, without taking a reference; on Python 3.11 (where ``None`` and ``True`` are not
immortal) the app then aborts within seconds ("deallocating None"). pyproject.toml excludes that
release; these tests fail if a binding with the fault is installed again.
"""

import sys

import pytest
from PySide6.QtCore import QObject, Signal

CALLS = 200


def test_void_calls_keep_none_alive():
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        probe.setObjectName("probe")
    assert before - sys.getrefcount(None) < CALLS // 2


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="True is immortal from Python 3.12 on")
def test_bool_signals_keep_true_alive(qapp):
    class Emitter(QObject):
        changed = Signal(bool)

    emitter, seen = Emitter(), []
    emitter.changed.connect(seen.append)
    before = sys.getrefcount(True)
    for _ in range(CALLS):
        emitter.changed.emit(True)
    seen.clear()
    assert before - sys.getrefcount(True) < CALLS // 2
