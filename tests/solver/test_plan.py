"""The shared plan data: the route pool keeps the cheapest route per task set, up to its limit."""

from __future__ import annotations

from optimizer.solver.plan import RoutePool


def test_the_pool_keeps_the_cheapest_route_per_task_set_and_its_limit() -> None:
    pool = RoutePool(limit=2)
    pool.add("v", frozenset({"a", "b"}), [1, 2], [1, 2], 10)
    pool.add("v", frozenset({"a", "b"}), [2, 1], [2, 1], 7)  # same set, cheaper: replaces
    pool.add("v", frozenset({"a", "b"}), [1, 2], [1, 2], 9)  # dearer: ignored
    pool.add("w", frozenset({"a", "b"}), [1, 2], [1, 2], 5)  # another entry: its own route
    pool.add("v", frozenset({"c"}), [3], [3], 1)  # over the limit: ignored
    assert pool.offered == 5
    assert {k: r.cost for k, r in pool.routes.items()} == {
        ("v", frozenset({"a", "b"})): 7,
        ("w", frozenset({"a", "b"})): 5,
    }
    assert pool.routes[("v", frozenset({"a", "b"}))].seq == (2, 1)
