"""Child processes that a test interrupts get SIGINT, SIGQUIT and SIGHUP as a terminal would deliver them.

A shell's background job (`pytest &`, some CI runners) starts with SIGINT and SIGQUIT ignored,
and `nohup` ignores SIGHUP; children inherit that, so Python never installs its
KeyboardInterrupt handler and a hang-up does nothing: a test that sends one of them would wait
for a process that never hears it (the closed-terminal test failed so under `nohup .ci/run`).
Pass `preexec_fn=default_signals` to `subprocess.Popen`.
"""

from __future__ import annotations

import signal


def default_signals() -> None:
    """Runs in the child before Python starts (POSIX only)."""
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
