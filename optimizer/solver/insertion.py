"""Cheapest feasible insertion of one task into a plan's routes: the scan every search repeats.

Why one place: route minimisation, fleet minimisation and ruin and recreate insert tasks tens of
thousands of times a minute. Each insertion ranks every position of every route by its cost
estimate, drops in constant time the positions that are late even driven direct (see
:meth:`.evaluator.RouteEvaluator.with_inserted`) and runs the label pass on the best survivors.
Written twice (route minimisation, ruin and recreate), each copy built every candidate sequence
and recomputed every route's time profile for every task, and the scan cost more than the label
passes (E-VRPTW r102: 20 s of ruin and recreate's 31 s under a profiler). Here a route's
locations, legs and profile are kept while its sequence is unchanged (an insertion changes one
route), and a sequence is built only for the positions that get evaluated: ruin and recreate
1.55 times and route minimisation 1.3 times faster on r102, with the same plans (same ranking:
estimate, then position). Numpy was slower here: on routes of 5 to 30 stops its per-call overhead
outweighs the loop.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .evaluator import RouteEvaluator
    from .search_model import SearchModel

#: A unit's verdict on a task sequence: (cost, full node sequence) or None when infeasible.
Evaluate = Callable[[int, list[int]], "tuple[int, list[int]] | None"]
#: The cheapest insertion found: (cost increase, unit, task sequence, evaluation).
Found = tuple[int, int, list[int], tuple[int, list[int]]]


#: A route's driven-direct time profile (see ``RouteEvaluator.profile``).
_Profile = tuple[list[int], list[int]]


class _Route:
    """One route's data for the scan: stop locations (depots included), the estimate of each
    leg, and the driven-direct time profile (see ``RouteEvaluator.profile``)."""

    __slots__ = ("key", "legs", "locs", "prof")

    def __init__(self, key: tuple[int, ...], locs: list[int], legs: list[int]) -> None:
        self.key = key
        self.locs = locs
        self.legs = legs
        self.prof: _Profile | None = None


class Insertion:
    """Insertion positions and the cheapest feasible insertion, for every unit of ``rm``."""

    def __init__(
        self,
        rm: SearchModel,
        ev: Callable[[int], RouteEvaluator],
        tasks: dict[str, list[int]],
    ) -> None:
        self.rm = rm
        self.ev = ev
        self.tasks = tasks
        self._loc = [nd.location for nd in rm.nodes]
        #: Per unit, the data of the last sequence scanned on it.
        self._routes: dict[int, _Route] = {}

    # ------------------------------------------------------------------------------------------
    def positions(self, k: int, seq: list[int], tid: str) -> list[tuple[int, int, int]]:
        """(cheap cost estimate, p, q) for inserting ``tid`` in ``seq`` on unit ``k``: the task's
        first node goes before ``seq[p]``, a shipment's delivery before ``seq[q]``. Positions
        only, so that sequences are built for the few that get evaluated."""
        e = self.ev(k)
        ids = self.tasks[tid]
        C = e.C
        loc = self._loc
        locs = [e.start_loc, *[loc[i] for i in seq], e.end_loc]
        out = []
        if len(ids) == 1:
            u = loc[ids[0]]
            Cu = C[u]
            for p in range(len(seq) + 1):
                a, b = locs[p], locs[p + 1]
                out.append((C[a][u] + Cu[b] - C[a][b], p, p))
        else:
            pu, du = loc[ids[0]], loc[ids[1]]
            for p in range(len(seq) + 1):
                a, b = locs[p], locs[p + 1]
                pick = C[a][pu] + C[pu][b] - C[a][b]
                out.append((C[a][pu] + C[pu][du] + C[du][b] - C[a][b], p, p))
                for q in range(p + 1, len(seq) + 1):
                    c, d = locs[q], locs[q + 1]
                    out.append((pick + C[c][du] + C[du][d] - C[c][d], p, q))
        return out

    def options(self, k: int, seq: list[int], tid: str, n: int) -> list[tuple[int, list[int]]]:
        """The ``n`` cheapest (by estimate) sequences inserting ``tid`` in ``seq``."""
        best = heapq.nsmallest(n, self.positions(k, seq, tid))
        return [(delta, inserted(seq, self.tasks[tid], p, q)) for delta, p, q in best]

    def best(
        self,
        seqs: dict[int, list[int]],
        costs: dict[int, int],
        tid: str,
        evaluate: Evaluate,
    ) -> tuple[Found | None, int]:
        """The cheapest feasible insertion of ``tid`` into the routes ``seqs`` (their costs in
        ``costs``), and the number of quick time checks made (work for the caller's budget).

        Per route the positions are tried cheapest estimate first, and the first one the
        evaluator accepts stands for the route (the label pass is far dearer than the estimate's
        error is worth); a route stops being scanned once its estimates reach the best increase
        found. A single-node task's positions that are late even driven direct are skipped
        unevaluated."""
        ids = self.tasks[tid]
        best: Found | None = None
        checks = 0
        for k, seq, cands, prof in self._candidates(seqs, tid):
            for delta, p, q in cands:
                if best is not None and delta >= best[0]:
                    break
                if prof is not None:
                    checks += 1
                    if not self.ev(k).with_inserted(seq, prof, p, ids[0]):
                        continue
                new = inserted(seq, ids, p, q)
                res = evaluate(k, new)
                if res is not None:
                    if best is None or res[0] - costs[k] < best[0]:
                        best = (res[0] - costs[k], k, new, res)
                    break
        return best, checks

    def _candidates(
        self, seqs: dict[int, list[int]], tid: str
    ) -> list[tuple[int, list[int], list[tuple[int, int, int]], _Profile | None]]:
        """Per route, its positions for ``tid`` cheapest estimate first and, for a single-node
        task, the route's time profile for the quick checks; the routes in the order of their
        cheapest estimate (a route has at least one position).

        Why that order: a route is skipped once its estimates reach the best increase found,
        and the route with the cheapest estimate most often holds the best insertion, so
        scanning it first lets the others be skipped sooner. At fixed work on EVRP-NL
        tc0c160s16cf2, where a label pass with nonlinear charging is dear, an insertion
        evaluated 65 sequences in the units' order and 21 in this one (ruin and recreate: 697
        iterations -> 1,054); on E-VRPTW r102, 2.1 -> 1.4."""
        ids = self.tasks[tid]
        out = []
        for k, seq in seqs.items():
            prof = None
            if len(ids) == 1:
                r = self._route(k, seq)
                prof = r.prof
                assert prof is not None
                u = self._loc[ids[0]]
                C = self.ev(k).C
                Cu = C[u]
                cands = [
                    (C[a][u] + Cu[b] - leg, p, p)
                    for p, (a, b, leg) in enumerate(zip(r.locs, r.locs[1:], r.legs, strict=False))
                ]
            else:
                cands = self.positions(k, seq, tid)
            cands.sort()
            out.append((k, seq, cands, prof))
        out.sort(key=lambda x: x[2][0][0])
        return out

    # ------------------------------------------------------------------------------------------
    def _route(self, k: int, seq: list[int]) -> _Route:
        """The scan data of ``seq`` on unit ``k``, kept while the unit's sequence is unchanged."""
        key = tuple(seq)
        r = self._routes.get(k)
        if r is None or r.key != key:
            e = self.ev(k)
            C, loc = e.C, self._loc
            locs = [e.start_loc, *[loc[i] for i in seq], e.end_loc]
            r = _Route(key, locs, [C[a][b] for a, b in pairwise(locs)])
            r.prof = e.profile(seq)
            self._routes[k] = r
        return r


def counted(ev: Callable[[int], RouteEvaluator], spent: list[int]) -> Evaluate:
    """The evaluator's verdict on a unit's sequence, its work (label steps) added to
    ``spent[0]``: the budgets count work, not calls, since on wide time windows most calls run
    the full label pass and cost many times a call ended by the quick time-window check."""

    def evaluate(k: int, seq: list[int]) -> tuple[int, list[int]] | None:
        e = ev(k)
        before = e.work
        res = e.evaluate(seq)
        spent[0] += e.work - before
        return res

    return evaluate


def inserted(seq: list[int], ids: list[int], p: int, q: int) -> list[int]:
    """``seq`` with task ``ids`` inserted: the first before ``seq[p]``, a second before ``seq[q]``."""
    if len(ids) == 1:
        return [*seq[:p], ids[0], *seq[p:]]
    return [*seq[:p], ids[0], *seq[p:q], ids[1], *seq[q:]]
