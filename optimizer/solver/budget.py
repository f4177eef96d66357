"""One budget per solve: the time limit turned into every phase's work count and wall-clock cap.

Why: OR-Tools has no seed and is deterministic only for a fixed amount of work; our own searches
are seeded but stop on work too. So each phase gets a count, never seconds: PyVRP's iterations,
label steps of route minimisation, fleet minimisation and ruin and recreate, CP-SAT's
deterministic time for recombination, OR-Tools' solutions. The counts come from the calibrated
rates of :class:`.options.SolveOptions` times the limit, or outright from
:class:`.options.Work` (the limit then sets only the caps). Same instance, seed and counts give
the same plan on any machine while no cap fires; where one fires, ``meta.stopped_by`` says
``time``. The rules for who gets what were spread over the driver; they are all here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..model import Instance
from .options import SolveOptions

if TYPE_CHECKING:
    from .search_model import SearchModel

#: Share of the limit by which our search and PyVRP's must have ended (a safety cap: the work
#: counts should end them first), so that OR-Tools has a moment to accept their plan.
SEARCH_CAP_SHARE = 0.9
#: The fewest solutions OR-Tools' search is given from the rates (a large model's rate rounds
#: to almost none).
MIN_SOLUTIONS = 20


def routes_cost(instance: Instance) -> bool:
    """Whether fewer routes is worth something in itself: route and fleet minimisation only pay
    then (on CEC-2020, whose objective is distance alone, route minimisation traded 23 % more
    distance for one truck)."""
    kind = instance.objective.kind
    if kind == "vehicles_then_distance":
        return True
    return kind == "cost" and any(t.fixed_cost > 0 for t in instance.vehicle_types)


def lns_rate(instance: Instance, opts: SolveOptions) -> float:
    """Ruin and recreate's work per second of limit for ``instance`` (see ``SolveOptions``)."""
    if instance.windowed:
        return opts.lns_work_per_second
    rules = instance.rules
    if not rules.full_recharge and not rules.instant_charging and instance.stations:
        return opts.lns_work_per_second_partial_no_windows
    return opts.lns_work_per_second_no_windows


@dataclass(frozen=True)
class Budget:
    """The counts and caps of one solve (or one part of a day solved in parts).

    ``started`` and ``end`` are ``time.monotonic()`` instants: every cap is at or before ``end``
    (``started`` + the limit, or a part's end within its day). ``share`` is the part of the
    limit our own search and OR-Tools have after PyVRP's run (1 without it): their counts shrink
    with it, their caps do not. Counts come from ``opts.work`` where given, else from the rates
    times the seconds of that share (computed in that order, so that plans stay those of the
    rates as they were applied before this module).
    """

    instance: Instance
    opts: SolveOptions
    started: float
    end: float
    share: float = 1.0

    @classmethod
    def of(cls, instance: Instance, opts: SolveOptions, started: float, end: float) -> Budget:
        return cls(instance, opts, started, min(end, started + opts.time_limit_s))

    def after(self, used_share: float) -> Budget:
        """The budget left once a phase (PyVRP's run) has had ``used_share`` of the limit."""
        return replace(self, share=max(0.0, 1 - used_share))

    @property
    def search_cap(self) -> float:
        """When our search and PyVRP's must have ended (see :data:`SEARCH_CAP_SHARE`)."""
        return min(self.started + SEARCH_CAP_SHARE * self.opts.time_limit_s, self.end)

    @property
    def seconds(self) -> float:
        """The seconds of limit the rates are applied to (the share left of the limit)."""
        return self.share * self.opts.time_limit_s

    def _count(self, name: str, rate: float) -> int:
        """``opts.work``'s count ``name`` for the share left, else ``rate`` times its seconds."""
        if self.opts.work is not None:
            return int(getattr(self.opts.work, name) * self.share)
        return int(rate * self.seconds)

    @property
    def route_min(self) -> int:
        """Route minimisation's label steps (0 where routes cost nothing in themselves)."""
        if not routes_cost(self.instance):
            return 0
        return self._count("route_min", self.opts.route_min_work_per_second)

    @property
    def fleet(self) -> int:
        """Fleet minimisation's label steps (0 where routes cost nothing in themselves)."""
        if not routes_cost(self.instance):
            return 0
        return self._count("fleet", self.opts.fleet_work_per_second)

    @property
    def lns(self) -> int:
        """Ruin and recreate's label steps."""
        return self._count("lns", lns_rate(self.instance, self.opts))

    @property
    def recombine(self) -> float:
        """CP-SAT's deterministic time for recombining the routes ruin and recreate met."""
        if self.opts.work is not None:
            return self.opts.work.recombine * self.share
        return self.opts.recombine_work_per_second * self.seconds

    @property
    def lns_walks(self) -> int:
        """Ruin-and-recreate walks from the same start (see ``SolveOptions.long_route_walks``)."""
        return self.opts.long_route_walks if routes_cost(self.instance) else 1

    def hgs_iterations(self, share: float) -> int:
        """PyVRP's iterations for a run of ``share`` of the limit."""
        if self.opts.work is not None:
            return int(self.opts.work.hgs_iterations * share)
        return int(self.opts.hgs_iterations_per_second * share * self.opts.time_limit_s)

    def solutions(self, rm: SearchModel) -> int:
        """OR-Tools' solution limit on ``rm``: fixed where given (``Work.solutions`` or
        ``SolveOptions.solution_budget``), else the share's seconds at the calibrated rate per
        squared model size (see ``SolveOptions.solution_rate``)."""
        opts = self.opts
        if opts.work is not None:
            return max(1, opts.work.solutions)
        if opts.solution_budget is not None:
            return max(1, opts.solution_budget)
        nodes = len(rm.nodes)
        rate = opts.solution_rate if self.instance.windowed else opts.solution_rate_no_windows
        per_second = max(1.0, rate / (nodes * nodes))
        return max(MIN_SOLUTIONS, int(per_second * self.seconds))
