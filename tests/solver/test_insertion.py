"""The insertion scan: its kept route data, route order and quick time checks change nothing
against a plain scan that builds and evaluates every candidate, as the plan changes under it."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np

import optimizer
from optimizer.solver.driver import _default_copies
from optimizer.solver.evaluator import RouteEvaluator, release
from optimizer.solver.insertion import Found, Insertion, inserted
from optimizer.solver.pipeline import construct
from optimizer.solver.search_model import ModelOptions, SearchModel, build
from tests.conftest import benchmark_file

CITY_DAY = Path(__file__).resolve().parents[2] / "instances" / "city-day.json"


def _plain_best(
    rm: SearchModel,
    seqs: dict[int, list[int]],
    costs: dict[int, int],
    tid: str,
) -> Found | None:
    """The rule written out with nothing kept and no shortcut: every route's positions by
    estimate (ties: the earlier), the routes in the order of their cheapest estimate (ties: the
    earlier), and per route the first position the evaluator accepts, while the estimate is
    below the best increase found."""
    best: Found | None = None
    per_route = []
    for k, seq in seqs.items():
        ev = RouteEvaluator(rm, k)
        ids = rm.task_nodes[tid]
        locs = [ev.start_loc, *[rm.nodes[i].location for i in seq], ev.end_loc]
        C = ev.C
        options = []
        for p in range(len(seq) + 1):
            for q in range(p, len(seq) + 1) if len(ids) == 2 else [p]:
                new = inserted(seq, ids, p, q)
                stops = [ev.start_loc, *[rm.nodes[i].location for i in new], ev.end_loc]
                delta = sum(C[a][b] for a, b in pairwise(stops)) - sum(
                    C[a][b] for a, b in pairwise(locs)
                )
                options.append((delta, p, q, new))
        options.sort(key=lambda o: o[:3])
        per_route.append((options[0][0], len(per_route), k, ev, options))
    for _, _, k, ev, options in sorted(per_route, key=lambda r: r[:2]):
        for delta, _, _, new in options:
            if best is not None and delta >= best[0]:
                break
            res = ev.evaluate(new)
            if res is not None:
                if best is None or res[0] - costs[k] < best[0]:
                    best = (res[0] - costs[k], k, new, res)
                break
    return best


def _check_against_plain(path: Path, rounds: int) -> int:
    inst = optimizer.load(path)
    rm = build(inst, ModelOptions(copies_per_station=_default_copies(inst)))
    try:
        built = construct(rm, order_seed=3)
        assert not built.unassigned
        evaluators: dict[int, RouteEvaluator] = {}

        def ev(k: int) -> RouteEvaluator:
            return evaluators.setdefault(k, RouteEvaluator(rm, k))

        def evaluate(k: int, seq: list[int]) -> tuple[int, list[int]] | None:
            return ev(k).evaluate(seq)

        ins = Insertion(rm, ev, rm.task_nodes)
        task_of = {n: t for t, ids in rm.task_nodes.items() for n in ids}
        seqs = {k: list(s) for k, s in built.tasks.items()}
        costs = dict(built.cost)
        rng = np.random.default_rng(5)
        found = 0
        for _ in range(rounds):
            # Take a random task out of its route, then put it back where the scan says: every
            # round changes up to two routes, so kept route data must follow.
            k = sorted(seqs)[int(rng.integers(len(seqs)))]
            tid = task_of[seqs[k][int(rng.integers(len(seqs[k])))]]
            before = (seqs[k], costs[k])
            rest = [n for n in seqs[k] if task_of[n] != tid]
            res = evaluate(k, rest) if rest else (0, [])
            if res is None:
                continue
            seqs[k], costs[k] = rest, res[0]
            if not rest:
                del seqs[k], costs[k]
            got, _ = ins.best(seqs, costs, tid, evaluate)
            want = _plain_best(rm, seqs, costs, tid)
            assert (got is None) == (want is None)
            if got is None or want is None:
                seqs[k], costs[k] = before
                continue
            assert got[:3] == want[:3]
            fresh = RouteEvaluator(rm, got[1]).evaluate(got[2])
            assert fresh is not None and fresh[0] == got[3][0]
            seqs[got[1]], costs[got[1]] = got[2], got[3][0]
            found += 1
        return found
    finally:
        release(rm)


def test_scan_matches_a_plain_scan_on_tight_windows() -> None:
    """E-VRPTW c103C15: tight windows, where most positions fail the quick check."""
    assert _check_against_plain(benchmark_file("evrptw", "c103C15.txt"), 40) >= 30


def test_scan_matches_a_plain_scan_with_shipments() -> None:
    """The bundled city day: shipments (pickup and delivery) beside jobs."""
    assert _check_against_plain(CITY_DAY, 25) >= 15


def test_scan_matches_a_plain_scan_with_nonlinear_charging() -> None:
    """EVRP-NL tc1c40s5cf1: charging time priced on concave curves, routes through chargers,
    where a route's estimate is not a bound on what an insertion costs it."""
    assert _check_against_plain(benchmark_file("evrp-nl", "tc1c40s5cf1.xml"), 30) >= 20
