"""Bounds every reader checks before it parses: file size, UTF-8, JSON nesting, finite numbers.

Why a module of its own: a file from anywhere must end in a result or an :class:`InputError`,
never in a traceback. Python's own parsers fail in ways that are not ``ValueError``: ``json``
raises ``RecursionError`` on arrays nested a thousand deep, accepts ``NaN`` and ``Infinity``,
turns ``1e999`` into an infinity and a 400-digit integer into a number that overflows every later
``float()``. Checking these once, here, before any model object is built, keeps each reader simple.

Stated limits (module constants, so a caller can quote them):

- :data:`MAX_INPUT_BYTES`: 256 MiB per file (a 2,000-location matrix in JSON is about 80 MB);
- :data:`MAX_JSON_DEPTH`: 64 levels of arrays and objects (the native formats need 5; ``meta``
  is free-form, but deeper than 64 is not data, it is an attack on the parser's stack);
- :data:`MAX_INT_DIGITS`: integers of at most 18 digits (every count and index fits easily; a
  larger one cannot be converted to a float or a C integer without overflow).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FormatError, InputError, Issue

MAX_INPUT_BYTES = 256 * 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_INT_DIGITS = 18

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def read_text(path: str | Path, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """The text of ``path`` as UTF-8 (a leading byte-order mark dropped), or a :class:`FormatError`.

    The size is checked before reading, so a huge file costs a ``stat``, not the memory.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise FormatError(
                Issue(
                    str(path),
                    f"is larger than the limit of {max_bytes // (1024 * 1024)} MiB",
                    f"{size} bytes",
                )
            )
        data = p.read_bytes()
    except OSError as e:
        raise FormatError(
            Issue(str(path), f"cannot be read: {e.strerror}", has_value=False)
        ) from None
    return decode(data, str(path))


def decode(data: bytes, source: str) -> str:
    """``data`` decoded as UTF-8, or a :class:`FormatError` naming the first bad byte's line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise FormatError(
            Issue(
                source,
                f"is not UTF-8 text (byte {e.start}, line {line})",
                data[e.start : e.start + 4],
            )
        ) from None


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON ``text`` (strings ignored), in one pass.

    Why not simply call ``json.loads`` and catch ``RecursionError``: the parser's limit depends on
    the interpreter's stack, and a document just below it still overflows the schema checks that
    walk it afterwards.
    """
    raw = np.frombuffer(_STRINGS.sub(b'""', text.encode("utf-8", "surrogatepass")), np.uint8)
    if not raw.size:
        return 0
    opens = (raw == ord("[")) | (raw == ord("{"))
    closes = (raw == ord("]")) | (raw == ord("}"))
    return max(0, int(np.cumsum(opens.astype(np.int64) - closes.astype(np.int64)).max()))


class _Unsafe:
    """A number ``json`` would accept but the model cannot hold; kept as text until reported."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _parse_int(text: str) -> int | _Unsafe:
    return _Unsafe(text) if len(text.lstrip("-")) > MAX_INT_DIGITS else int(text)


def _parse_float(text: str) -> float | _Unsafe:
    value = float(text)
    return value if math.isfinite(value) else _Unsafe(text)


def parse_json(text: str, source: str | None, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON ``text`` within the bounds above, or raise :class:`FormatError` / :class:`InputError`.

    ``NaN``, ``Infinity``, numbers that overflow a float and integers longer than
    :data:`MAX_INT_DIGITS` are reported each with its JSON path, all at once.
    """
    depth = json_depth(text)
    if depth > max_depth:
        raise FormatError(
            Issue(
                "<root>", f"nests arrays and objects deeper than the limit of {max_depth}", depth
            ),
            source,
        )
    try:
        data = json.loads(
            text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_Unsafe
        )
    except json.JSONDecodeError as e:
        raise FormatError(
            Issue(
                f"line {e.lineno} column {e.colno}", f"is not valid JSON: {e.msg}", has_value=False
            ),
            source,
        ) from None
    except (RecursionError, ValueError) as e:  # belt and braces: the depth check comes first
        raise FormatError(
            Issue("<root>", f"is not valid JSON: {e}", has_value=False), source
        ) from None
    issues = number_issues(data, max_depth)
    if issues:
        raise InputError(issues, source)
    return data


def _path(parts: list[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def number_issues(data: Any, max_depth: int = MAX_JSON_DEPTH) -> list[Issue]:
    """Every number in parsed JSON ``data`` that is not finite or too long, with its path.

    Also for documents parsed elsewhere (an HTTP body): ``json`` and most clients accept ``NaN``.
    The walk is iterative and stops at ``max_depth``, so it cannot overflow the stack itself.
    """
    issues: list[Issue] = []
    stack: list[tuple[Any, list[Any]]] = [(data, [])]
    while stack:
        node, where = stack.pop()
        if len(where) > max_depth:
            issues.append(
                Issue(
                    _path(where[:max_depth]),
                    f"nests deeper than the limit of {max_depth}",
                    len(where),
                )
            )
            continue
        if isinstance(node, dict):
            stack.extend((v, [*where, k]) for k, v in reversed(list(node.items())))
        elif isinstance(node, list | tuple):
            # Fast path for matrix rows: a finite sum means every float in the row is finite.
            if node and all(type(x) is float for x in node) and math.isfinite(sum(node)):
                continue
            stack.extend((v, [*where, k]) for k, v in reversed(list(enumerate(node))))
        elif isinstance(node, _Unsafe):
            issues.append(Issue(_path(where), _unsafe_message(node.text), node.text))
        elif isinstance(node, float) and not math.isfinite(node):
            issues.append(Issue(_path(where), "must be a finite number", node))
        elif (
            isinstance(node, int) and not isinstance(node, bool) and abs(node) >= 10**MAX_INT_DIGITS
        ):
            # Shown by its length: ``str()`` of a 5,000-digit integer itself raises ValueError.
            digits = f"an integer of about {int(node.bit_length() * 0.30103) + 1} digits"
            issues.append(
                Issue(
                    _path(where), f"must be an integer of at most {MAX_INT_DIGITS} digits", digits
                )
            )
    return issues


def _unsafe_message(text: str) -> str:
    if text.lstrip("-").isdigit():
        return f"must be an integer of at most {MAX_INT_DIGITS} digits"
    return "must be a finite number"


def check_numbers(data: Any, source: str | None) -> None:
    """Raise :class:`InputError` when :func:`number_issues` finds anything in ``data``."""
    issues = number_issues(data)
    if issues:
        raise InputError(issues, source)
