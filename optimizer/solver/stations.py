"""Dominated station visits: which chargers are never worth a detour between two places.

Why: a vehicle going from ``a`` to ``b`` through station ``s`` could as well go through ``s'`` when
``s'`` is no farther from ``a`` and no farther from ``b`` (in distance and in time) and is the same
kind of station (same charger, tariff, fees, carbon, opening hours or longer, never a queue). It then
arrives at ``s'`` no later and with no less energy, charges the same amount in no more time (or waits
to charge in the same tariff period), and reaches ``b`` no later with no less energy, for no more
money. So the visit to ``s`` between ``a`` and ``b`` is dominated and need not be searched. Schneider
et al. remove such visits before their E-VRPTW search; here the route evaluator drops them from its
candidates per pair of stops and the OR-Tools model removes the arcs into (out of) a station that is
dominated whatever comes after (before) it.

Dominance is a strict order (equal stations are ordered by their position in the instance), so per
pair of places at least one undominated station always remains.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..model import Instance, Station


def _same_kind(a: Station, b: Station) -> bool:
    """Everything that prices or times a visit is equal (opening checked separately)."""
    return (
        a.kind == b.kind
        and a.power_kw == b.power_kw
        and a.curve == b.curve
        and a.tariff == b.tariff
        and a.fee_per_visit == b.fee_per_visit
        and a.fee_per_kwh == b.fee_per_kwh
        and a.swap_min == b.swap_min
        and a.grid_co2e_kg_per_kwh == b.grid_co2e_kg_per_kwh
        and a.green_share == b.green_share
        and a.charging_efficiency == b.charging_efficiency
    )


def dominators(instance: Instance) -> dict[str, tuple[str, ...]]:
    """For each station id, the stations that may stand in for it between any two places:
    the same kind, open at least whenever it is, never queued (a charger per vehicle of the
    fleet, so that sending more vehicles to it delays none), and usable by every vehicle type
    that may use it (zone bans). Whether one does between ``a`` and ``b`` is :func:`beats`."""
    fleet = sum(v.count for v in instance.vehicles)
    types = instance.vehicle_types
    out: dict[str, tuple[str, ...]] = {}
    if any(t.is_electric and instance.leg_bans(t) is not None for t in types):
        # A stand-in's legs may cross a zone the original's do not: none is safe to drop.
        return {s.id: () for s in instance.stations}
    for s in instance.stations:
        found = []
        for s2 in instance.stations:
            if s2.id == s.id or not _same_kind(s, s2) or s2.chargers < fleet:
                continue
            if s2.opening and s2.opening != s.opening:
                continue
            if any(
                instance.banned(t, s2.location) and not instance.banned(t, s.location)
                for t in types
            ):
                continue
            found.append(s2.id)
        out[s.id] = tuple(found)
    return out


def beats(
    mats: Sequence[Sequence[Sequence[float]]] | Sequence[np.ndarray],
    a: int,
    b: int,
    via2: int,
    via: int,
    first: bool,
) -> bool:
    """Whether going ``a -> via2 -> b`` is no worse than ``a -> via -> b`` on every matrix (each
    leg separately), strictly on one leg or, all equal, ``first`` (the stand-in comes first)."""
    strict = False
    for m in mats:
        x, y = m[a][via2], m[a][via]
        if x > y:
            return False
        u, v = m[via2][b], m[via][b]
        if u > v:
            return False
        strict = strict or x < y or u < v
    return strict or first


def dominated_arcs(
    instance: Instance,
    froms: Sequence[int],
    tos: Sequence[int],
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per station id, a mask over ``froms`` (locations) after which the station is dominated
    whatever comes next (any location in ``tos``), and a mask over ``tos`` before which it is
    dominated whatever came before. Uses the instance's distance and duration matrices: every
    vehicle type's travel time, energy and cost scale one of them, so dominance holds for all.
    """
    doms = dominators(instance)
    if not any(doms.values()):
        return {}, {}
    loc = {s.id: s.location for s in instance.stations}
    order = {s.id: k for k, s in enumerate(instance.stations)}
    fr = np.asarray(froms, dtype=np.int64)
    to = np.asarray(tos, dtype=np.int64)
    after: dict[str, np.ndarray] = {}
    before: dict[str, np.ndarray] = {}
    mats = (np.asarray(instance.distance_km), np.asarray(instance.duration_min))
    for sid, rivals in doms.items():
        if not rivals:
            continue
        s = loc[sid]
        covered = np.zeros((len(fr), len(to)), dtype=bool)
        for rid in rivals:
            r = loc[rid]
            # Leg into the station no worse, leg out of it no worse, per matrix; strict somewhere
            # or, all equal, the rival first in the instance.
            in_le = np.ones(len(fr), dtype=bool)
            out_le = np.ones(len(to), dtype=bool)
            in_lt = np.zeros(len(fr), dtype=bool)
            out_lt = np.zeros(len(to), dtype=bool)
            for m in mats:
                x, y = m[fr, r], m[fr, s]
                u, v = m[r, to], m[s, to]
                in_le &= x <= y
                out_le &= u <= v
                in_lt |= x < y
                out_lt |= u < v
            ok = in_le[:, None] & out_le[None, :]
            if order[rid] > order[sid]:
                ok &= in_lt[:, None] | out_lt[None, :]
            covered |= ok
        # A second visit to the same place right after (a copy of the station) is one longer
        # visit: it neither needs nor blocks a stand-in.
        covered |= (fr == s)[:, None] | (to == s)[None, :]
        after[sid] = np.asarray(covered.all(axis=1), dtype=bool)
        before[sid] = np.asarray(covered.all(axis=0), dtype=bool)
    return after, before
