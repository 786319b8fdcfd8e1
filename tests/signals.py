"""Child processes that a test interrupts get SIGINT and SIGQUIT as a terminal would deliver them.

A shell's background job (`pytest &`, some CI runners) starts with both ignored, children inherit
that, and Python then never installs its KeyboardInterrupt handler: a test that sends SIGINT would
wait for a process that never hears it. Pass `preexec_fn=default_signals` to `subprocess.Popen`.
"""

from __future__ import annotations

import signal


def default_signals() -> None:
    """Runs in the child before Python starts (POSIX only)."""
    for sig in (signal.SIGINT, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)
