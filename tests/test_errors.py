"""The shared error type renders what a user must fix: the field, the message and the value."""

from __future__ import annotations

from pathlib import Path

from optimizer.errors import Issue


def test_long_values_are_cut_but_paths_are_shown_whole() -> None:
    long_text = "a" * 200
    shown = str(Issue("field", "is wrong", long_text))
    assert shown.startswith("field: is wrong, got 'aaa") and shown.endswith("...")
    assert len(shown) < 120

    folder = Path("/") / ("deep-" * 40) / "missing"
    shown = str(Issue("--html", "names a folder that does not exist", folder))
    assert shown == f"--html: names a folder that does not exist, got {str(folder)!r}"


def test_a_huge_integer_is_shown_by_its_length() -> None:
    # str() of a 5,000-digit integer raises ValueError: the error message itself used to crash.
    text = str(Issue("vehicles[0].count", "must be small", 10**5000))
    assert text == "vehicles[0].count: must be small, got an integer of about 5001 digits"
