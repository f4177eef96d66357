"""Outputs are written whole or not at all (issue 23): a write stopped half-way, by a file-size
limit or an error, leaves the file that stood there intact; ``--out`` may not name an input."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer import fileio
from optimizer.cli import app
from optimizer.fileio import write_atomic
from tests.conftest import INSTANCES, ROOT

runner = CliRunner()


def test_write_replaces_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_atomic(path, "old\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~fileio._umask()
    path.chmod(0o640)
    write_atomic(path, b"new\n")
    assert path.read_text() == "new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["plan.json"]  # no temporary file left behind


def test_error_mid_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plan.json"
    path.write_text("the valid plan\n")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(path, "x" * 10_000)
    assert path.read_text() == "the valid plan\n"
    assert os.listdir(tmp_path) == ["plan.json"]


# A child process under a 4 KiB file-size limit (RLIMIT_FSIZE) writes a plan of about 9 KiB over
# a valid one; SIGXFSZ is ignored so that the write fails with EFBIG instead of killing the child.
CHILD = textwrap.dedent(
    """
    import resource, signal, sys
    from pathlib import Path
    import optimizer
    from optimizer.solution import Route, Solution, Stop
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    stops = tuple(Stop("job", f"J{k}", arrival_min=float(k)) for k in range(200))
    plan = Solution("big", (Route("v", stops),))
    target = Path(sys.argv[1])
    try:
        if sys.argv[2] == "atomic":
            optimizer.save_solution(plan, target)
        else:
            from optimizer.formats.native import solution_to_dict
            import json
            target.write_text(json.dumps(solution_to_dict(plan), indent=1))
    except OSError as e:
        print("failed:", e.strerror)
        sys.exit(3)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
@pytest.mark.parametrize("how", ["atomic", "in place"])
def test_file_size_limit_half_way(tmp_path: Path, how: str) -> None:
    path = tmp_path / "plan.json"
    old = (INSTANCES / "city-day-events.json").read_text("utf-8")  # any small valid file
    path.write_text(old)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), how],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 3, done.stderr
    assert "File too large" in done.stdout
    if how == "atomic":
        assert path.read_text("utf-8") == old
        assert os.listdir(tmp_path) == ["plan.json"]
    else:
        # What the package did before: the old file is gone, a 4 KiB stub stands in its place.
        assert path.stat().st_size == 4096


def test_out_equal_to_the_instance_is_refused(tmp_path: Path) -> None:
    inst = tmp_path / "day.json"
    inst.write_bytes((INSTANCES / "city-day-small.json").read_bytes())
    before = inst.read_bytes()
    for args in (
        ["solve", str(inst), "--out", str(inst), "-t", "1", "-q"],
        ["convert", str(inst), "--out", str(tmp_path / "." / "day.json")],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "--out: names the same file as the instance" in result.output
    assert inst.read_bytes() == before


def test_out_through_a_symlink_to_the_instance_is_refused(tmp_path: Path) -> None:
    inst = tmp_path / "day.json"
    inst.write_bytes((INSTANCES / "city-day-small.json").read_bytes())
    link = tmp_path / "link.json"
    link.symlink_to(inst)
    result = runner.invoke(app, ["convert", str(inst), "--out", str(link)])
    assert result.exit_code == 2
    assert "names the same file as the instance" in result.output


def test_symlink_target_is_replaced_and_the_link_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, "new\n")
    assert link.is_symlink() and real.read_text() == "new\n"


@pytest.mark.skipif(sys.platform == "win32", reason="a named pipe is POSIX")
def test_a_pipe_is_written_directly(tmp_path: Path) -> None:
    # ``--out /dev/stdout`` piped into another program: there is no file to replace.
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    write_atomic(fifo, "through the pipe\n")
    out, _ = reader.communicate(timeout=10)
    assert out == b"through the pipe\n"
