"""The answer model: routes of stops with their schedule, load and charge, plus reported totals.

A solution may be *sparse*: a stop sequence without times or charge (as the public E-VRPTW
solution files are). The validator fills in the earliest schedule for such stops and checks the
rest; it never trusts a reported figure it can recompute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

StopKind = Literal["depot", "job", "pickup", "delivery", "station"]
STOP_KINDS: tuple[str, ...] = ("depot", "job", "pickup", "delivery", "station")


@dataclass(frozen=True, slots=True)
class Stop:
    """One visit on a route.

    ``kind``/``ref``: a ``depot`` id, a ``job`` id, a shipment id for its ``pickup`` or ``delivery``
    end, or a ``station`` id. Times are clock minutes: ``arrival_min`` at the place, ``start_min``
    when service (or charging) starts after any wait, ``departure_min`` when the vehicle leaves.
    ``load_kg`` is the load on board when leaving. ``soc_*_kwh`` is the battery energy on arrival and
    on departure. ``charged_kwh`` is the energy added to the battery here (a swap counts the energy
    of the fresh pack above the old level); ``charge_cost`` is what that energy cost, fee included.
    """

    kind: StopKind
    ref: str
    arrival_min: float | None = None
    start_min: float | None = None
    departure_min: float | None = None
    load_kg: float | None = None
    soc_arrival_kwh: float | None = None
    soc_departure_kwh: float | None = None
    charged_kwh: float | None = None
    charge_cost: float | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """The trip of one vehicle: unit ``unit`` (0-based) of the vehicle entry ``vehicle``."""

    vehicle: str
    stops: tuple[Stop, ...]
    unit: int = 0

    @property
    def visits(self) -> tuple[Stop, ...]:
        """The stops between the start and end depot."""
        return self.stops[1:-1] if len(self.stops) >= 2 else ()

    @property
    def reload_indices(self) -> tuple[int, ...]:
        """The positions of the depot stops between the first and the last: the reloads of a
        vehicle that makes several trips (the validator decides which are allowed)."""
        return tuple(k for k in range(1, len(self.stops) - 1) if self.stops[k].kind == "depot")

    @property
    def trips(self) -> int:
        """The trips the route makes: one, plus one per reload."""
        return 1 + len(self.reload_indices)


@dataclass(frozen=True, slots=True)
class Totals:
    """Figures a solution reports about itself; the validator recomputes and compares each.

    ``cost`` has the components ``fixed``, ``distance``, ``time``, ``energy``, ``carbon``,
    ``penalty`` and ``total``; ``energy`` is the energy used per carrier in its unit (kWh, L, kg).
    Any field may be ``None`` when the source format does not report it.
    """

    distance_km: float | None = None
    duration_min: float | None = None
    vehicles_used: int | None = None
    cost: Mapping[str, float] = field(default_factory=dict)
    energy: Mapping[str, float] = field(default_factory=dict)
    co2e_wtw_kg: float | None = None


@dataclass(frozen=True)
class Solution:
    """A plan for one instance: routes, the jobs left unserved, and reported totals."""

    instance: str
    routes: tuple[Route, ...]
    unserved: tuple[str, ...] = ()
    totals: Totals = field(default_factory=Totals)
    #: Provenance: solver, seed, time limit, wall time. Round-trips through JSON.
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def vehicles_used(self) -> int:
        return sum(1 for r in self.routes if r.visits)
