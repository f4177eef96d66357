"""Worker-process hygiene shared by the service and the batch pool.

Why: a ``spawn`` pool worker holds both ends of its task queue's pipe, so when its parent dies
without shutting the pool down (killed, out of memory) it never sees end-of-file and waits
forever, an orphan holding memory and, mid-solve, a core. Each worker therefore watches its parent
and exits when it is gone; the work it was doing is redone by whoever restarts (the service
re-queues interrupted jobs).
"""

from __future__ import annotations

import os
import threading
import time

#: How often a worker checks that its parent is alive, in seconds.
PARENT_POLL_S = 1.0


def exit_with_parent() -> None:
    """Start a daemon thread that ends this process when its parent process has died."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_S)
            if os.getppid() != parent:  # re-parented: the parent is gone
                os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
