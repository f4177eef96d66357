"""Options the commands share: the format choices and the positive-limit check.

Why a module of its own: the commands live in several modules (``cli``, ``cli_carbon``,
``cli_replan``, ``cli_platform``) that must offer the same choices with the same spelling, and
``--help`` must stay fast (no format module is imported to list them; ``tests/test_cli.py``
checks the list against ``optimizer.formats``).
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

import typer

#: Instance formats ``--format`` accepts (``optimizer.formats.INSTANCE_FORMATS``).
InstanceFormat = Literal[
    "native", "evrptw", "evrptw-pr", "cec2020", "evrp-nl", "solomon", "cvrp", "vrplib", "vroom"
]
INSTANCE_FORMAT_CHOICES: tuple[str, ...] = get_args(InstanceFormat)
#: Plan formats ``--out-format`` accepts (``optimizer.formats.PLAN_OUT_FORMATS``).
PlanFormat = Literal["native", "evrptw-sol", "csv", "geojson", "vroom"]
PLAN_FORMAT_CHOICES: tuple[str, ...] = get_args(PlanFormat)

FormatOpt = Annotated[
    InstanceFormat | None,
    typer.Option("--format", "-f", help="Instance format (default: detected from the content)."),
]


def positive(value: float) -> float:
    """Refuse a limit <= 0 by name (``-t -5`` used to be taken and solved for nothing)."""
    if not value > 0:
        raise typer.BadParameter(f"must be > 0, got {value:g}")
    return value


__all__ = [
    "INSTANCE_FORMAT_CHOICES",
    "PLAN_FORMAT_CHOICES",
    "FormatOpt",
    "InstanceFormat",
    "PlanFormat",
    "positive",
]
