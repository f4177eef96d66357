"""Shared fixtures. The public benchmark sets live in ``../shared/benchmarks`` beside the project
root (CI has it too); tests that need them skip cleanly where it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OPTIMIZER_SHARED", ROOT.parent / "shared"))
BENCHMARKS = SHARED / "benchmarks"
INSTANCES = ROOT / "instances"
# Road-network matrices are cached on disk; tests must not write into the user's home.
os.environ.setdefault("OPTIMIZER_CACHE_DIR", str(ROOT / ".pytest_cache" / "optimizer-cache"))


@pytest.fixture(scope="session")
def benchmarks_dir() -> Path:
    """``../shared/benchmarks``, or skip the test when it is not there."""
    if not BENCHMARKS.is_dir():
        pytest.skip(f"benchmark sets not found at {BENCHMARKS}")
    return BENCHMARKS


def benchmark_file(*parts: str) -> Path:
    """One file of the shared benchmark sets, skipping the calling test when it is absent."""
    path = BENCHMARKS.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"benchmark file not found: {path}")
    return path
