"""A small sample of ``python -m benchmarks.fuzz`` (issue 23): every mutated input of every format
ends in a result or an InputError, every mutated plan is read, flagged or accepted, never a crash."""

from __future__ import annotations

from benchmarks import fuzz


def test_inputs_sample_has_no_crash() -> None:
    tally = fuzz.run(25, seed=5, only="inputs")
    counts = tally.counts
    formats = {"native", *fuzz.SEEDS}
    assert {row for row, _ in counts} == formats
    for fmt in formats:
        assert counts[(fmt, "inputs")] == 25
        assert counts[(fmt, "result")] + counts[(fmt, "InputError")] == 25, tally.crashes
    assert not tally.crashes


def test_plans_sample_has_no_crash_and_no_unflagged_break() -> None:
    tally = fuzz.run(60, seed=5, only="plans")
    changed = "plans (one figure changed)"
    assert tally.counts[(changed, "inputs")] > 0
    assert tally.counts[(changed, "unflagged break")] == 0, tally.crashes
    assert sum(v for (_, col), v in tally.counts.items() if col == "crash") == 0, tally.crashes
    assert "| plans |" in fuzz.table(tally)


def test_mutations_are_seeded() -> None:
    import random

    base = fuzz.SEEDS["cvrp"].encode()
    one = fuzz.mutate_bytes(base, random.Random(3))
    assert one == fuzz.mutate_bytes(base, random.Random(3)) and one != base
