"""The README's main-job command, run as written in a clean copy of the checkout.

Why: the first thing a new user types is that line; it must install, solve the bundled city day
and validate the plan. The copy holds the tracked files only (no build products, no caches). To
finish within a minute the fresh venv sees the dependencies already installed here (a ``.pth``
line to this interpreter's site-packages, which pip then counts as installed), so only this
package is built; everything else in the command runs unchanged.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _main_job_command() -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    block = re.search(r"Run the main job.*?```bash\n(.*?)\n```", text, re.S)
    assert block is not None, "README has no main-job bash block"
    return block.group(1).strip()


def test_the_readme_main_job_runs_in_a_clean_checkout(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    command = _main_job_command()
    assert "optimizer solve" in command and "optimizer validate" in command
    files = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, text=True, check=True
    ).stdout.split("\0")
    clone = tmp_path / "checkout"
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, clone / name)
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(clone / ".venv")], check=True)
    site = next((clone / ".venv" / "lib").glob("python*/site-packages"))
    # Every site directory this interpreter sees (its own, and any a .pth of its added).
    seen = [sysconfig.get_paths()["purelib"]]
    seen += [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]
    dirs = [p for p in dict.fromkeys(seen) if Path(p).is_dir()]
    (site / "zz-installed-here.pth").write_text("".join(f"{p}\n" for p in dirs))
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if Path(sys.executable).parent != Path(p)
    )
    started = time.monotonic()
    run = subprocess.run(
        ["bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True, timeout=300
    )
    seconds = time.monotonic() - started
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "city-day: feasible" in run.stdout
    assert (clone / "plan.json").is_file()
    # The command ran this checkout's code, not an installed copy from elsewhere.
    where = subprocess.run(
        [
            str(clone / ".venv" / "bin" / "python"),
            "-c",
            "import optimizer; print(optimizer.__file__)",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).resolve().is_relative_to(clone.resolve()), where
    assert seconds < 120, f"the main job took {seconds:.0f} s"
