"""Multiple trips: the solver chains single trips into vehicle days that the validator accepts,
at the optimum enumerated through the validator on a day small enough to enumerate."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from optimizer.model import Instance, Job, Objective, TimeWindow, Vehicle, VehicleType
from optimizer.reach import fleet_shortfall
from optimizer.solution import Route, Solution, Stop
from optimizer.solver import SolveOptions, Work, solve
from optimizer.solver.trips import chain_trips, one_trip_per_unit
from optimizer.validator import validate

from ..validator.test_trips import make

#: Fixed work: the plan does not depend on the machine's speed.
WORK = SolveOptions(work=Work(hgs_iterations=200, route_min=2_000, fleet=2_000, lns=4_000))


def _all_served(instance: Instance) -> Instance:
    return replace(instance, objective=Objective())


def _best_by_enumeration(instance: Instance) -> float:
    """The cheapest one-van day over every order of the jobs and every place of one reload, as
    the validator prices it (the van may make two trips)."""
    ids = [j.id for j in instance.jobs]
    best = float("inf")
    for order in itertools.permutations(ids):
        for cut in range(len(ids) + 1):  # len(ids): no reload
            refs = [*order[:cut], "D", *order[cut:]] if 0 < cut < len(ids) else list(order)
            stops = (
                Stop("depot", "D"),
                *(Stop("depot", r) if r == "D" else Stop("job", r) for r in refs),
                Stop("depot", "D"),
            )
            report = validate(instance, Solution(instance.name, (Route("V", stops),)))
            if report.feasible:
                best = min(best, report.totals.cost["total"])
    return best


def test_a_van_too_small_for_one_trip_makes_two_at_the_enumerated_optimum() -> None:
    inst = _all_served(make())
    optimum = _best_by_enumeration(inst)
    plan = solve(inst, 4.0, seed=1, options=WORK)
    report = validate(inst, plan)
    assert report.feasible, report.summary()
    assert plan.totals.cost["total"] == pytest.approx(optimum, rel=1e-6)
    (route,) = [r for r in plan.routes if r.visits]
    assert [s.kind for s in route.stops].count("depot") == 3  # out, reload, home
    assert plan.meta["trips_searched"] == "waves" and plan.meta["trips_max"] == 2


def test_the_same_inputs_give_the_same_plan() -> None:
    inst = _all_served(make())
    first = solve(inst, 4.0, seed=3, options=WORK)
    second = solve(inst, 4.0, seed=3, options=WORK)
    assert first.routes == second.routes


def test_a_van_allowed_one_trip_cannot_serve_the_day() -> None:
    from optimizer.solver import InfeasibleError

    with pytest.raises(InfeasibleError):
        solve(_all_served(make(max_trips=1)), 4.0, seed=1, options=WORK)


def _waves() -> Instance:
    """Two vans of 450 kg, two trips each; A and B want the morning, C the afternoon: a 100 km
    fixed cost makes one van doing both waves cheaper than two vans, the single-trip search
    cannot see that."""
    inst = make()
    morning, afternoon = TimeWindow(360, 600), TimeWindow(840, 900)
    jobs = (
        replace(inst.jobs[0], weight_kg=200.0, time_windows=(morning,)),
        replace(inst.jobs[1], weight_kg=200.0, time_windows=(morning,)),
        Job("C", inst.jobs[2].location, weight_kg=300.0, time_windows=(afternoon,)),
    )
    vans = (Vehicle("V", "van", "D", count=2),)
    return replace(inst, jobs=jobs, vehicles=vans, objective=Objective())


def test_chaining_two_single_trips_saves_a_fixed_cost() -> None:
    inst = _waves()
    single = one_trip_per_unit(inst, trips=False)
    two = Solution(
        inst.name,
        (
            Route(
                "V", (Stop("depot", "D"), Stop("job", "A"), Stop("job", "B"), Stop("depot", "D"))
            ),
            Route("V", (Stop("depot", "D"), Stop("job", "C"), Stop("depot", "D")), unit=1),
        ),
    )
    separate = validate(single, two)
    assert separate.feasible, separate.summary()
    chained, left = chain_trips(inst, separate.solution)
    assert not left
    assert validate(inst, chained).feasible
    assert [r.unit for r in chained.routes] == [0]
    saved = separate.totals.cost["total"] - validate(inst, chained).totals.cost["total"]
    assert saved == pytest.approx(inst.vehicle_types[0].fixed_cost)


def test_a_chain_that_costs_more_than_it_saves_is_not_made() -> None:
    # Paid by the hour, the van would wait from the morning to the afternoon window at 100 an
    # hour: two vans cost less than one van's long day.
    inst = _waves()
    paid = replace(inst.vehicle_types[0], cost_per_hour=100.0)
    inst = replace(inst, vehicle_types=(paid,))
    single = one_trip_per_unit(inst, trips=False)
    two = Solution(
        inst.name,
        (
            Route(
                "V", (Stop("depot", "D"), Stop("job", "A"), Stop("job", "B"), Stop("depot", "D"))
            ),
            Route("V", (Stop("depot", "D"), Stop("job", "C"), Stop("depot", "D")), unit=1),
        ),
    )
    # The afternoon trip leaves as late as its window lets it (the solver floats departures).
    late = replace(two.routes[1].stops[0], departure_min=800.0)
    two = replace(
        two, routes=(two.routes[0], replace(two.routes[1], stops=(late, *two.routes[1].stops[1:])))
    )
    timed = validate(single, two)
    assert timed.feasible, timed.summary()
    chained, left = chain_trips(inst, timed.solution)
    assert not left
    assert sorted(r.unit for r in chained.routes) == [0, 1]


def test_a_fleet_that_fits_one_trip_each_is_chained_to_the_enumerated_optimum() -> None:
    inst = _waves()  # two vans of 450 kg carry the 700 kg in one trip each
    plan = solve(inst, 4.0, seed=1, options=WORK)
    assert validate(inst, plan).feasible
    assert plan.meta["trips_searched"] == "one trip per unit"
    # Enumerated by hand through the validator: one van, A and B in the morning, C after.
    one_van = Solution(
        inst.name,
        (
            Route(
                "V",
                tuple(
                    Stop("depot", r) if r == "D" else Stop("job", r)
                    for r in ("D", "A", "B", "D", "C", "D")
                ),
            ),
        ),
    )
    best = validate(inst, one_van)
    assert best.feasible, best.summary()
    assert plan.totals.cost["total"] <= best.totals.cost["total"] + 1e-6
    assert plan.totals.vehicles_used == 1


def test_tasks_no_day_can_serve_are_unserved_or_diagnosed() -> None:
    # One van, three trips: three morning-only loads of 400 kg that each fill the van, all due
    # by 06:50. Only the first trip can serve one of them; without a penalty the day is refused
    # before any search (by 06:50 the van has 50 min; driving into the three places takes 102
    # at least, 32 + 30 + 40 from their nearest other places, and two of the 10 min services
    # must end by then, 122 min in all; before the fleet check the search named two of them,
    # "no feasible position", after its whole limit),
    # and at the penalty two are left unserved.
    inst = make(max_trips=3)
    rush = TimeWindow(360, 410)
    jobs = tuple(
        replace(j, kind="delivery", weight_kg=400.0, time_windows=(rush,)) for j in inst.jobs
    )
    inst = replace(inst, jobs=jobs, objective=Objective())
    from optimizer.solver import InfeasibleError

    with pytest.raises(InfeasibleError) as err:
        solve(inst, 4.0, seed=1, options=WORK)
    assert err.value.diagnosis == {"*": fleet_shortfall(inst)}
    assert "the 3 stops whose windows close by 06:50" in err.value.diagnosis["*"]
    assert "works at most 0.8 h by 06:50" in err.value.diagnosis["*"]
    priced = replace(inst, objective=Objective(unserved_penalty=1000.0))
    plan = solve(priced, 4.0, seed=1, options=WORK)
    report = validate(priced, plan)
    assert report.feasible, report.summary()
    assert len(plan.unserved) == 2


def test_trips_that_fit_no_day_of_the_entry_are_left_over() -> None:
    # Two single trips of one van in the morning rush, planned as two units: one day takes one,
    # the other fits no day of the one van and is left over with its task.
    inst = make(max_trips=2)
    rush = TimeWindow(360, 410)
    jobs = tuple(
        replace(j, kind="delivery", weight_kg=400.0, time_windows=(rush,)) for j in inst.jobs[:2]
    )
    inst = replace(inst, jobs=jobs)
    two_units = one_trip_per_unit(inst, trips=True, sliced=False)
    trips = Solution(
        inst.name,
        tuple(
            Route(f"V~wave{k}", (Stop("depot", "D"), Stop("job", j.id), Stop("depot", "D")))
            for k, j in enumerate(jobs)
        ),
    )
    timed = validate(two_units, trips)
    assert timed.feasible, timed.summary()
    chained, left = chain_trips(inst, timed.solution)
    assert len(left) == 1 and len(chained.routes) == 1
    assert set(chained.unserved) == {"A", "B"} - {s.ref for s in chained.routes[0].visits}
    assert validate(inst, chained).feasible


def test_waves_are_slices_of_the_shift_that_follow_each_other() -> None:
    inst = make(max_trips=2, reload_min=20.0)
    waves = one_trip_per_unit(inst, trips=True)
    (first, second) = waves.vehicles
    assert (first.id, second.id) == ("V~wave0", "V~wave1")
    assert first.shift == TimeWindow(360, 720)  # the depot's 360-1080, halved
    assert second.shift == TimeWindow(740, 1080)  # after the reload
    whole = one_trip_per_unit(inst, trips=True, sliced=False)
    assert {v.shift for v in whole.vehicles} == {TimeWindow(360, 1080)}


def _two_trips_one_charge() -> Instance:
    """An electric van of 450 kg and 110 kWh at 1 kWh/km: A's trip (100 km, 400 kg) and B's
    (60 km, 300 kg) each fit a battery, not both; a charger 5 km from the depot."""
    from optimizer.model import Location, Station

    base = make()
    locations = (*base.locations[:3], Location("S", (0.0, 5.0)))
    van = VehicleType(
        "evan",
        "bev",
        capacity_kg=450.0,
        consumption_per_km_empty=1.0,
        battery_kwh=110.0,
        fixed_cost=100.0,
        cost_per_km=1.0,
        max_trips=2,
        reload_min=20.0,
    )
    return replace(
        base,
        locations=locations,
        depots=base.depots[:1],
        vehicle_types=(van,),
        vehicles=(Vehicle("V", "evan", "D"),),
        jobs=base.jobs[:2],
        stations=(Station("S", 3, power_kw=300.0),),
        objective=Objective(),
    )


def test_a_trip_after_a_reload_charges_where_the_day_left_too_little() -> None:
    inst = _two_trips_one_charge()
    best = float("inf")
    for first, second in (("A", "B"), ("B", "A")):
        legs = [first, "D", second]
        for at in range(len(legs) + 1):
            refs = [*legs[:at], "S", *legs[at:]]
            stops = (
                Stop("depot", "D"),
                *(
                    Stop("depot", "D")
                    if r == "D"
                    else Stop("station", r)
                    if r == "S"
                    else Stop("job", r)
                    for r in refs
                ),
                Stop("depot", "D"),
            )
            report = validate(inst, Solution(inst.name, (Route("V", stops),)))
            if report.feasible:
                best = min(best, report.totals.cost["total"])
    assert best < float("inf")
    plan = solve(inst, 4.0, seed=1, options=WORK)
    report = validate(inst, plan)
    assert report.feasible, report.summary()
    assert plan.totals.cost["total"] == pytest.approx(best, rel=1e-6)
    (route,) = [r for r in plan.routes if r.visits]
    assert [s.kind for s in route.stops].count("depot") == 3
    assert [s.kind for s in route.stops].count("station") == 1


def test_a_day_short_of_energy_gets_a_charge_around_its_reload() -> None:
    from optimizer.solver.trips import charge_at_reloads

    inst = _two_trips_one_charge()
    stops = tuple(
        Stop("depot", r) if r == "D" else Stop("job", r) for r in ("D", "A", "D", "B", "D")
    )
    plan = Solution(inst.name, (Route("V", stops),))
    assert validate(inst, plan).codes() == {"BATTERY"}
    charged = charge_at_reloads(inst, plan)
    report = validate(inst, charged)
    assert report.feasible, report.summary()
    kinds = [s.kind for s in charged.routes[0].stops]
    assert kinds.count("station") == 1 and kinds.count("depot") == 3


def test_a_longer_first_wave_where_the_split_says_so() -> None:
    inst = make(max_trips=2, reload_min=0.0)
    first, second = one_trip_per_unit(inst, trips=True, split=0.6).vehicles
    assert first.shift == TimeWindow(360, 360 + 0.6 * 720)
    assert second.shift == TimeWindow(360 + 0.6 * 720, 1080)


def test_a_days_trips_seed_waves_cut_at_its_reloads() -> None:
    from optimizer.solver.trips import chain_trips as chain
    from optimizer.solver.trips import waves_of

    inst = _all_served(make())
    stops = tuple(
        Stop("depot", r) if r == "D" else Stop("job", r) for r in ("D", "A", "D", "B", "C", "D")
    )
    day = validate(inst, Solution(inst.name, (Route("V", stops),)))
    assert day.feasible, day.summary()
    waves, seed = waves_of(inst, day.solution, lambda _i, _r: 0.0)
    first, second = waves.vehicles
    # Back at 470, reloaded until 490 (see tests/validator/test_trips.py).
    assert (first.id, first.shift) == ("V~wave0.0", TimeWindow(360, 470))
    assert (second.id, second.shift) == ("V~wave0.1", TimeWindow(490, 1080))
    assert [(r.vehicle, [s.ref for s in r.visits]) for r in seed.routes] == [
        ("V~wave0.0", ["A"]),
        ("V~wave0.1", ["B", "C"]),
    ]
    # The trips, timed on their waves, chain back into the day.
    timed = validate(waves, seed)
    assert timed.feasible, timed.summary()
    chained, left = chain(inst, timed.solution)
    assert not left and validate(inst, chained).feasible
    assert [s.ref for s in chained.routes[0].stops] == ["D", "A", "D", "B", "C", "D"]
