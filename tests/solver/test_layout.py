"""The solver's shape (issue 22): no function over 80 lines, so that each can be read whole.

A structural rule, checked on the source like the import contracts (``lint-imports``) check
the layering: a function that grows past it is split into named steps before it lands.
"""

from __future__ import annotations

import ast
from pathlib import Path

import optimizer.solver

#: The longest function (its ``def`` line to its last line, nested functions included).
MAX_FUNCTION_LINES = 80


def test_no_function_of_the_solver_is_over_80_lines() -> None:
    root = Path(optimizer.solver.__file__).parent
    long = []
    for path in sorted(root.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.name}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, "split these into named steps:\n" + "\n".join(long)
