"""Typed errors shared by the Python API, the CLI's exit status and (later) the service's JSON body.

Why one module: a user meets the same failure through three doors (a Python exception, a CLI exit
code, an HTTP error body). Keeping the codes here means the three never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

#: Exit status of the CLI for each outcome. ``validate`` uses 1 for "read fine, plan infeasible".
EXIT_OK = 0
EXIT_INFEASIBLE = 1
EXIT_BAD_INPUT = 2


def _show(value: Any) -> str:
    """Render an offending value briefly: a user needs to recognise it, not read a dump.

    A path is shown whole: cut short, it hides the very folder or file name the user must fix.
    """
    if isinstance(value, PurePath):
        return repr(str(value))
    if isinstance(value, int) and value.bit_length() > 256:
        # str() of an integer above 4,300 digits raises ValueError: name its length instead.
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with the input: where it is, what is wrong, and the value found there.

    ``path`` uses the JSON spelling users see in their files: ``vehicle_types[2].battery_kwh``.
    """

    path: str
    message: str
    value: Any = None
    has_value: bool = True

    def __str__(self) -> str:
        where = self.path or "<root>"
        if self.has_value:
            return f"{where}: {self.message}, got {_show(self.value)}"
        return f"{where}: {self.message}"

    def under(self, prefix: str) -> Issue:
        """The same issue seen from an enclosing object (``battery_kwh`` -> ``vehicle_types[2].battery_kwh``)."""
        if not prefix:
            return self
        path = (
            f"{prefix}.{self.path}"
            if self.path and not self.path.startswith("[")
            else prefix + self.path
        )
        return Issue(path, self.message, self.value, self.has_value)


class OptimizerError(Exception):
    """Base of every error the package raises on purpose. ``code`` is stable and machine-readable."""

    code = "error"
    exit_status = EXIT_BAD_INPUT


class InputError(OptimizerError, ValueError):
    """The input cannot be turned into a model. Carries *every* issue found, not just the first.

    Why all at once: fixing a 5,000-job file one error per run is the kind of friction that makes a
    dispatcher give up on a tool.
    """

    code = "invalid_input"

    def __init__(self, issues: Sequence[Issue] | Issue, source: str | None = None) -> None:
        self.issues: tuple[Issue, ...] = (issues,) if isinstance(issues, Issue) else tuple(issues)
        self.source = source
        head = f"{source}: " if source else ""
        lines = [str(i) for i in self.issues]
        if len(lines) == 1:
            super().__init__(head + lines[0])
        else:
            super().__init__(head + f"{len(lines)} problems:\n  " + "\n  ".join(lines))

    def under(self, prefix: str) -> InputError:
        return InputError([i.under(prefix) for i in self.issues], self.source)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "errors": [
                {
                    "path": i.path,
                    "message": i.message,
                    **({"value": i.value} if i.has_value else {}),
                }
                for i in self.issues
            ],
        }


class FormatError(InputError):
    """A file is not in the format it claims (or that was detected)."""

    code = "unreadable_input"


class Problems:
    """Collects issues while checking an object, so a constructor can report them all together."""

    def __init__(self) -> None:
        self.items: list[Issue] = []

    def add(self, path: str, message: str, value: Any = None, *, has_value: bool = True) -> None:
        self.items.append(Issue(path, message, value, has_value))

    def extend(self, issues: Iterable[Issue], prefix: str = "") -> None:
        self.items.extend(i.under(prefix) for i in issues)

    def check(self, ok: bool, path: str, message: str, value: Any = None) -> bool:
        if not ok:
            self.add(path, message, value)
        return ok

    def raise_if_any(self, source: str | None = None) -> None:
        if self.items:
            raise InputError(self.items, source)

    def __bool__(self) -> bool:
        return bool(self.items)


def _first_missing_folder(path: Path) -> Path | None:
    """The outermost folder on ``path``'s way that does not exist (None when its folder does)."""
    folder = path.resolve().parent
    if folder.is_dir():
        return None
    while folder.parent != folder and not folder.parent.is_dir():
        folder = folder.parent
    return folder


def check_output_folders(outputs: dict[str, Path | None]) -> None:
    """Raise :class:`InputError` naming each output option whose folder does not exist.

    Why before the work: a command that solves for minutes and then cannot write its result has
    wasted the minutes. The first missing folder is named whole, so the user sees what to create.
    """
    issues = [
        Issue(option, "names a folder that does not exist", missing)
        for option, path in outputs.items()
        if path is not None and (missing := _first_missing_folder(path)) is not None
    ]
    if issues:
        raise InputError(issues)


def check_outputs_distinct(inputs: dict[str, Path | None], outputs: dict[str, Path | None]) -> None:
    """Raise :class:`InputError` naming each output option that names an input file (or another
    output).

    Why: ``optimizer solve day.json --out day.json`` would replace the instance with its plan; the
    user meant another name, and the instance may be the only copy.
    """

    def same(a: Path, b: Path) -> bool:
        try:
            return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
        except OSError:
            return False

    issues = []
    seen: dict[str, Path] = {}
    for option, out in outputs.items():
        if out is None:
            continue
        clash = next((name for name, p in inputs.items() if p is not None and same(out, p)), None)
        if clash is None:
            clash = next((name for name, p in seen.items() if same(out, p)), None)
        if clash is not None:
            issues.append(Issue(option, f"names the same file as {clash}", out))
        seen[option] = out
    if issues:
        raise InputError(issues)
