"""The error a solve raises when no plan serves every job (its own module, so that the parallel
workers and the driver share it without importing each other)."""

from __future__ import annotations

from typing import Any

from ..errors import EXIT_INFEASIBLE, OptimizerError


class InfeasibleError(OptimizerError):
    """No plan serves every job; ``diagnosis`` says which jobs and why."""

    code = "infeasible"
    exit_status = EXIT_INFEASIBLE

    def __init__(self, diagnosis: dict[str, str]) -> None:
        self.diagnosis = diagnosis
        lines = [f"{job}: {why}" for job, why in list(diagnosis.items())[:20]]
        more = f"\n  ... and {len(diagnosis) - 20} more" if len(diagnosis) > 20 else ""
        super().__init__(
            f"no plan serves every job; {len(diagnosis)} cannot be served:\n  "
            + "\n  ".join(lines)
            + more
        )

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "unservable": self.diagnosis}
