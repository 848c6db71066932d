"""engine/run/caps.caps_scope: the per-file caps of many files paid once per task, each file still
held to its own time and memory limit from its own start."""
from __future__ import annotations

import os
import resource
import signal
import sys
import threading
import time

import pytest

from engine.ingest import Limits
from engine.run import caps as pool
from engine.run.caps import TimeCapExceeded, caps_scope, file_caps, memory_cap, time_cap

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_DATA and /proc as Linux has them")


def _spin(seconds: float) -> None:
    """Busy for `seconds` of wall time (the alarm is a wall-clock timer)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_a_file_past_its_time_cap_is_stopped_and_the_next_has_its_full_time():
    before = signal.getsignal(signal.SIGALRM)
    with caps_scope():
        with pytest.raises(TimeCapExceeded):
            with time_cap(0.2):
                _spin(2)
        # a new block's limit runs from its own start
        with time_cap(0.3):
            _spin(0.2)
        with pytest.raises(TimeCapExceeded):
            with file_caps(Limits(max_seconds=0.2)):
                _spin(2)
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_timer_left_armed_by_an_earlier_file_does_not_cut_a_later_one_short():
    with caps_scope():
        with time_cap(0.3):
            pass                      # ends at once: the timer stays armed for its deadline
        _spin(0.1)                    # between files
        with time_cap(0.6):
            _spin(0.4)                # past the first block's deadline, within its own
        _spin(0.4)                    # the timer fires between files: nothing happens
        with pytest.raises(TimeCapExceeded):
            with time_cap(0.2):
                _spin(2)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_an_inner_shorter_cap_and_the_outer_cap_both_hold():
    with caps_scope():
        with time_cap(5):
            with pytest.raises(TimeCapExceeded):
                with time_cap(0.2):
                    _spin(2)
        with pytest.raises(TimeCapExceeded):
            with time_cap(0.3):
                with time_cap(5):
                    _spin(2)


def test_the_handler_is_installed_once_per_scope(monkeypatch):
    calls = []
    real = signal.signal
    monkeypatch.setattr(pool.signal, "signal", lambda *a: calls.append(a[0]) or real(*a))
    with caps_scope():
        for _ in range(5):
            with file_caps(Limits()):
                pass
    assert calls == [signal.SIGALRM, signal.SIGALRM]      # installed, then put back
    calls.clear()
    with file_caps(Limits()):                             # outside a scope: each block on its own
        pass
    assert calls == [signal.SIGALRM, signal.SIGALRM]


def test_scopes_do_nothing_off_the_main_thread_and_nested():
    seen = []

    def work():
        with caps_scope():
            seen.append(pool._scope.active)
            with time_cap(0.1):           # off the main thread no alarm can be handled: no cap
                _spin(0.2)
            seen.append("done")

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert seen == [False, "done"]
    with caps_scope():
        with caps_scope():
            pass
        assert pool._scope.active           # the inner scope did not end the outer one
        with pytest.raises(TimeCapExceeded):
            with time_cap(0.2):
                _spin(2)


@linux_only
def test_memory_cap_in_a_scope_is_relative_to_each_files_start():
    before = resource.getrlimit(resource.RLIMIT_DATA)
    kept = []
    with caps_scope():
        with memory_cap(48):
            kept.append(bytearray(32 * 2**20))            # held by the process after the file
        with memory_cap(48):
            kept.append(bytearray(32 * 2**20))            # 64 MB more than at the scope's start: allowed
        with pytest.raises(MemoryError):
            with file_caps(Limits(max_memory_mb=16)):
                bytearray(64 * 2**20)
        assert resource.getrlimit(resource.RLIMIT_DATA) == before
    assert resource.getrlimit(resource.RLIMIT_DATA) == before
    del kept


@linux_only
def test_held_memory_in_a_scope_is_what_proc_status_says():
    with caps_scope():
        first = pool._held_bytes()                          # reads both: the stack's size
        again = pool._held_bytes()                          # statm less that stack
        status = pool._data_bytes()
    assert first is not None and again is not None
    assert abs(again - status) <= 4 * 2**20 and abs(first - status) <= 4 * 2**20


@linux_only
def test_statm_is_reopened_in_a_forked_child():
    pool._statm_data()
    parent_fd = pool._statm.fd
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:                                           # the child: its own statm, not the parent's
        try:
            data = pool._statm_data()
            ok = pool._statm.pid == os.getpid() and data is not None and data > 0
            os.write(w, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(w)
    got = os.read(r, 1)
    os.close(r)
    os.waitpid(pid, 0)
    assert got == b"1"
    assert pool._statm.fd == parent_fd


def test_a_deadline_left_behind_by_a_block_stopped_in_its_finally_stops_no_later_block():
    """An alarm can come as a block ends, raising before its deadline is released: a later block
    drops such a past deadline instead of being stopped by it."""
    with caps_scope():
        with pytest.raises(TimeCapExceeded):
            with time_cap(0.2):
                _spin(2)
        pool._scope.deadlines.append(time.monotonic() - 0.1)     # as if its release never ran
        with time_cap(0.3):
            pass                                                  # the timer stays armed for 0.3 s
        with time_cap(0.8):
            _spin(0.5)                                            # past the armed time: re-armed, not stopped
        with pytest.raises(TimeCapExceeded):
            with time_cap(0.2):
                _spin(2)
        assert pool._scope.deadlines == []
