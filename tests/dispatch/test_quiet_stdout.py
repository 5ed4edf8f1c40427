"""HiGHS's banner is hidden from file descriptor 1 while solving, also when solves overlap in threads."""

from __future__ import annotations

import os
import sys
import threading

from zerodistrict.dispatch.optimal.solve import _quiet_native_stdout


def test_overlapping_redirects_in_two_threads_restore_stdout(tmp_path, monkeypatch):
    """Thread A enters, B enters, A leaves, B leaves (the order that made a per-thread redirect restore
    /dev/null for good): what native code writes meanwhile is hidden, and fd 1 writes to the file after."""
    target = open(tmp_path / "out.txt", "w")
    saved = os.dup(1)
    os.dup2(target.fileno(), 1)
    monkeypatch.setattr(sys, "stdout", os.fdopen(1, "w", closefd=False))
    try:
        a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

        def a():
            with _quiet_native_stdout():
                a_in.set()
                b_in.wait()
                os.write(1, b"hidden A\n")
            a_out.set()

        def b():
            a_in.wait()
            with _quiet_native_stdout():
                b_in.set()
                a_out.wait()
                os.write(1, b"hidden B\n")

        threads = [threading.Thread(target=a), threading.Thread(target=b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        os.write(1, b"shown\n")
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        target.close()
    assert (tmp_path / "out.txt").read_text() == "shown\n"
