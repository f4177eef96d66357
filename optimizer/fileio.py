"""Writing output files whole or not at all.

Why: a plan, report or figure written in place is truncated when the disk fills, the quota runs
out or the process is killed half-way, and the valid file that stood there is gone. Every output of
the package goes through :func:`write_atomic`: the bytes go to a temporary file in the same folder
(so the rename cannot cross file systems), are flushed to disk, and the temporary file then
replaces the target in one ``os.replace``. A reader sees the old file or the new one, never half.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def _umask() -> int:
    """The process's umask (read by setting it, then restoring it at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, data: str | bytes, encoding: str = "utf-8") -> None:
    """Write ``data`` to ``path`` atomically: the old file stays intact if anything fails.

    The new file keeps the permissions of the one it replaces (a new file gets the usual
    ``0o666`` less the umask, not the ``0o600`` of a temporary file). A target that exists and is
    not a regular file (``/dev/stdout``, a pipe) is written directly: it cannot be replaced.
    """
    target = Path(path)
    payload = data.encode(encoding) if isinstance(data, str) else data
    try:
        st: os.stat_result | None = os.stat(target)  # through symlinks: what open() would reach
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        with target.open("wb") as fh:  # a device or pipe (/dev/stdout): nothing to replace
            fh.write(payload)
        return
    if target.is_symlink():
        target = target.resolve()  # replace the file the link names, not the link
    mode = stat.S_IMODE(st.st_mode) if st is not None else None
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    # The rename itself is durable once the folder is synced (best effort: not every system can).
    with contextlib.suppress(OSError):
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
