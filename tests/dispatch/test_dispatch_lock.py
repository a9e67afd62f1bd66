"""The run lock: re-entrant for its thread, refused for another thread or process, freed on exit."""

from __future__ import annotations

import threading

import pytest

from lifecycle_tui.automation.runlock import DispatchBusyError, lock_path, run_lock


def test_reentrant_in_the_same_thread_and_released_after(store):
    with run_lock(store):
        with run_lock(store):
            pass
        assert "pid=" in lock_path(store).read_text()
    assert lock_path(store).read_text() == ""
    with run_lock(store):  # free again
        pass


def test_another_thread_is_refused(store):
    errors = []

    def other():
        try:
            with run_lock(store):
                pass
        except DispatchBusyError as exc:
            errors.append(str(exc))

    with run_lock(store):
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert errors and "in progress" in errors[0]


def test_lock_file_is_owner_only(store):
    with run_lock(store):
        assert lock_path(store).stat().st_mode & 0o777 == 0o600
    assert lock_path(store).name == "shop.db.dispatch.lock"


def test_busy_error_is_raised_not_waited_for(store, tmp_path):
    import subprocess
    import sys
    import textwrap

    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys
        from lifecycle_tui.store import open_store
        from lifecycle_tui.automation.runlock import run_lock
        with open_store({str(store.path)!r}) as s, run_lock(s):
            print("locked", flush=True)
            sys.stdin.readline()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(DispatchBusyError, match=f"pid {holder.pid}"):
            with run_lock(store):
                pass
    finally:
        holder.communicate("\n", timeout=30)
    with run_lock(store):
        pass
