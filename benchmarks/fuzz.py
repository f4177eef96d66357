"""Fuzz the readers and the validator: every input ends in a result or an ``InputError``.

Why in the repository: files come from everywhere, and a loader that crashes on one of them turns
a user's typo into a traceback (CLI exit 1, HTTP 500). This tool feeds mutated copies of one small
seed per input format through :func:`optimizer.load`, mutated copies of a solved plan of the
bundled ``instances/city-day-small.json`` through :func:`solution_from_dict` and the validator,
mutated plan texts of the other tools' formats (E-VRPTW verifier text, VRPLIB ``.sol``) through
their readers and the validator, and mutated road graphs (GraphML, edge and node CSV, OSM XML and
PBF) through :func:`optimizer.roads.read_graph` and native days naming one through
:func:`optimizer.roads.paths.network_of`.

Run from the project root::

    python -m benchmarks.fuzz --n 10000 --seed 1              # all parts but the service
    python -m benchmarks.fuzz --n 2000 --seed 3 --only plans  # plans only
    python -m benchmarks.fuzz --n 2000 --seed 1 --only solutions  # plan texts of other tools
    python -m benchmarks.fuzz --n 2000 --seed 1 --only roads  # road graph files
    python -m benchmarks.fuzz --n 1000 --seed 1 --only service  # requests to `optimizer serve`

Mutations are plain and seeded (no hypothesis): byte flips, cut and duplicated spans, inserted
tokens from a list of known troublemakers (non-UTF-8 bytes, 400-digit integers, ``NaN``,
``1e999``, nesting thousands deep), and for JSON a value at a random path replaced by one of them.

Outcomes per input: ``result`` (read fine; the instance must also write back as strict JSON, that
is without NaN or infinities, and a road graph must hold only finite figures, or it counts as a
``bad result``), ``InputError`` (refused, with a path and a message), ``crash`` (any other
exception: a bug). Plans and plan texts: ``InputError`` (the reader refused it), ``flagged`` (the
validator lists a violation), ``accepted``; a plan whose mutation changed a reported figure of the
feasible original and is accepted is an ``unflagged break``.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import random
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "instances" / "city-day-small.json"

# One small, valid seed per format (the native one is the bundled city day).
SEEDS: dict[str, str] = {
    "evrptw": (
        "StringID   Type       x          y          demand     ReadyTime  DueDate    ServiceTime\n"
        "D0         d          40.0       50.0       0.0        0.0        1236.0     0.0\n"
        "S0         f          40.0       50.0       0.0        0.0        1236.0     0.0\n"
        "S5         f          31.0       84.0       0.0        0.0        1236.0     0.0\n"
        "C30        c          20.0       55.0       10.0       355.0      407.0      90.0\n"
        "C12        c          25.0       85.0       20.0       176.0      228.0      90.0\n"
        "\n"
        "Q Vehicle fuel tank capacity /77.75/\n"
        "C Vehicle load capacity /200.0/\n"
        "r fuel consumption rate /1.0/\n"
        "g inverse refueling rate /3.47/\n"
        "v average Velocity /1.0/\n"
    ),
    "cec2020": (
        "Name: tiny\nCOMMENT: test\nTYPE: EVRP\nOPTIMAL_VALUE: 0\nVEHICLES: 1\nDIMENSION: 3\n"
        "STATIONS: 1\nCAPACITY: 6000\nENERGY_CAPACITY: 94\nENERGY_CONSUMPTION: 1.20\n"
        "EDGE_WEIGHT_FORMAT: EUC_2D\nNODE_COORD_SECTION\n1 145 215\n2 151 264\n3 159 261\n"
        "4 137 193\nDEMAND_SECTION\n1 0\n2 1100\n3 700\nSTATIONS_COORD_SECTION\n4\n"
        "DEPOT_SECTION\n1\n-1\nEOF\n"
    ),
    "evrp-nl": (
        '<?xml version="1.0" encoding="UTF-8"?>\n<instance>\n'
        "<info><dataset>test</dataset><name>tiny</name></info>\n<network><nodes>\n"
        '<node id="0" type="0"><cx>0</cx><cy>0</cy></node>\n'
        '<node id="1" type="1"><cx>3</cx><cy>4</cy></node>\n'
        '<node id="2" type="2"><cx>6</cx><cy>8</cy><custom><cs_type>slow</cs_type></custom></node>\n'
        "</nodes><euclidean /><decimals>14</decimals></network>\n"
        '<fleet><vehicle_profile type="0"><departure_node>0</departure_node>'
        "<arrival_node>0</arrival_node><max_travel_time>10</max_travel_time>"
        "<speed_factor>40</speed_factor><custom><consumption_rate>125</consumption_rate>"
        "<battery_capacity>16000</battery_capacity><charging_functions>"
        '<function cs_type="slow">'
        "<breakpoint><battery_level>0</battery_level><charging_time>0.0</charging_time></breakpoint>"
        "<breakpoint><battery_level>13600</battery_level><charging_time>1.26</charging_time>"
        "</breakpoint><breakpoint><battery_level>16000</battery_level>"
        "<charging_time>2.04</charging_time></breakpoint></function></charging_functions>"
        "</custom></vehicle_profile></fleet>\n"
        '<requests><request id="1" node="1"><service_time>0.5</service_time></request></requests>\n'
        "</instance>\n"
    ),
    "cvrp": (
        "NAME : tiny\nTYPE : CVRP\nDIMENSION : 4\nEDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : 10\n"
        "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 8\n4 0 5\nDEMAND_SECTION\n1 0\n2 4\n3 5\n4 6\n"
        "DEPOT_SECTION\n1\n-1\nEOF\n"
    ),
    "solomon": (
        "NAME : tiny\nTYPE : VRPTW\nDIMENSION : 4\nVEHICLES : 2\nCAPACITY : 10\n"
        "EDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 8\n4 0 5\n"
        "DEMAND_SECTION\n1 0\n2 4\n3 5\n4 6\nTIME_WINDOW_SECTION\n1 0 100\n2 0 50\n3 10 60\n"
        "4 0 90\nSERVICE_TIME_SECTION\n1 0\n2 5\n3 5\n4 5\nDEPOT_SECTION\n1\n-1\nEOF\n"
    ),
    "vrplib": (
        "NAME : two-depots\nTYPE : MDVRP\nDIMENSION : 4\nVEHICLES : 2\nCAPACITY : 10\n"
        "EDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 10 0\n3 3 4\n4 9 2\n"
        "DEMAND_SECTION\n1 0\n2 0\n3 4\n4 5\nDEPOT_SECTION\n1\n2\n-1\nEOF\n"
    ),
}

#: Plan texts other tools write, each with the seed (of :data:`SEEDS`) it is read against.
SOLUTION_SEEDS: dict[str, tuple[str, str]] = {
    # The E-VRPTW verifier's text: total distance, then one line per route (the instance is
    # named after its file, instance.evrptw).
    "evrptw-sol": ("evrptw", "# solution for instance\n120.564\nD0, C30, D0\nD0, S5, C12, D0\n"),
    # VRPLIB ``.sol`` through load_solution: one vehicle entry, so routes are its units in order.
    "vrplib-sol": ("cvrp", "Route #1: 1 2\nRoute #2: 3\nCost 31\n"),
    # VRPLIB ``.sol`` through vrplib_sets.read_solution, on a fleet of two entries (two depots).
    "vrplib-sets-sol": ("vrplib", "Route #1: 2\nRoute #3: 3\nCost 14.4721\nTime 1.5\n"),
}
#: One small, valid road graph per reader of :func:`optimizer.roads.read_graph`.
ROAD_SEEDS: dict[str, str] = {
    "graphml": (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
        '<key id="x" for="node" attr.name="x" attr.type="double"/>\n'
        '<key id="y" for="node" attr.name="y" attr.type="double"/>\n'
        '<key id="len" for="edge" attr.name="length_km" attr.type="double"/>\n'
        '<key id="spd" for="edge" attr.name="speed_kmh" attr.type="double"/>\n'
        '<key id="w" for="edge" attr.name="max_weight_kg" attr.type="double"/>\n'
        '<key id="ban" for="edge" attr.name="banned_carriers" attr.type="string"/>\n'
        '<key id="ow" for="edge" attr.name="oneway" attr.type="boolean">'
        "<default>false</default></key>\n"
        '<graph id="G" edgedefault="directed">\n'
        '<node id="a"><data key="x">0</data><data key="y">0</data></node>\n'
        '<node id="b"><data key="x">1.5</data><data key="y">0</data></node>\n'
        '<node id="c"><data key="x">1.5</data><data key="y">2</data></node>\n'
        '<edge source="a" target="b"><data key="len">1.5</data><data key="spd">50</data></edge>\n'
        '<edge source="b" target="c"><data key="len">2</data><data key="spd">30</data>'
        '<data key="w">7500</data><data key="ow">true</data></edge>\n'
        '<edge source="c" target="a"><data key="len">2.5</data><data key="spd">40</data>'
        '<data key="ban">diesel</data></edge>\n'
        "</graph>\n</graphml>\n"
    ),
    "road csv edges": (
        "from,to,length_km,speed_kmh,max_weight_kg,banned_carriers,oneway,name\n"
        "a,b,1.5,50,,,,Main St\n"
        "b,c,2,30,7500,,true,Bridge\n"
        "c,a,2.5,40,,diesel;lng,false,\n"
    ),
    "road csv nodes": "id,x,y,name\na,0,0,Depot corner\nb,1.5,0,\nc,1.5,2,\n",
    "osm": (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<osm version="0.6">\n'
        '<node id="1" lat="60.0" lon="25.000"/>\n'
        '<node id="2" lat="60.0" lon="25.001"/>\n'
        '<node id="3" lat="60.001" lon="25.001"><tag k="name" v="corner"/></node>\n'
        '<way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/>'
        '<tag k="maxspeed" v="50"/></way>\n'
        '<way id="11"><nd ref="2"/><nd ref="3"/><tag k="highway" v="tertiary"/>'
        '<tag k="maxweight" v="7.5"/><tag k="oneway" v="-1"/></way>\n'
        '<way id="12"><nd ref="3"/><nd ref="1"/><tag k="highway" v="service"/>'
        '<tag k="hgv" v="no"/><tag k="maxspeed" v="20 mph"/></way>\n'
        "</osm>\n"
    ),
}

#: The rows of the road part (the CSV pair is one row; ``osm pbf`` only with osmium installed;
#: ``road_network``: the block of a native day that names the graph).
ROAD_ROWS = ("graphml", "road csv", "osm", "osm pbf", "road_network")

#: Tokens known to upset readers: each was a crash class once (issue 23) or is a classic.
NASTY_TEXT: tuple[bytes, ...] = (
    b"NaN",
    b"nan",
    b"Infinity",
    b"-Infinity",
    b"inf",
    b"1e999",
    b"-1e999",
    b"1" * 400,
    b"7" * 5000,  # int() of more than 4,300 digits raises ValueError (CPython's own limit)
    b"-" + b"9" * 400,
    b"1e-400",
    b"0",
    b"-1",
    b"-0.0",
    b"\xff\xfe",
    b"\xc3\x28",
    b"\x00",
    b"\xef\xbb\xbf",
    b"[" * 3000,
    b'{"a":' * 3000,
    b"<a>" * 3000,
    b"&lt;",
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>',
    b"\n",
    b" ",
    b"EOF\n",
    b"-1\n",
    b"9999999999",
)
#: Values a JSON mutation puts at a random path.
NASTY_JSON: tuple[Any, ...] = (
    float("nan"),
    float("inf"),
    -float("inf"),
    10**400,
    -(10**400),
    10**20,
    1e308,
    -1.0,
    0,
    0.5,
    100000,
    "",
    "x" * 300,
    None,
    True,
    [],
    {},
    [[]],
    [1.0, "x"],
    [0, 1e308],
)


def _deep(depth: int) -> Any:
    doc: Any = 0
    for _ in range(depth):
        doc = [doc]
    return doc


# ----------------------------------------------------------------------------------------------
# mutations
def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    """One to four plain byte-level edits of ``data``."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        at = rng.randrange(len(out) + 1)
        if op == 0 and out:  # flip one byte
            out[min(at, len(out) - 1)] = rng.randrange(256)
        elif op == 1:  # cut a span
            del out[at : at + rng.randint(1, 64)]
        elif op == 2:  # duplicate a span
            out[at:at] = out[at : at + rng.randint(1, 256)]
        elif op == 3:  # replace a number-ish token with a troublemaker
            end = at
            while end < len(out) and chr(out[end]) in "0123456789.-+eE":
                end += 1
            out[at:end] = rng.choice(NASTY_TEXT)
        else:  # insert a troublemaker
            out[at:at] = rng.choice(NASTY_TEXT)
    return bytes(out)


def json_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indices from the root, the root's ``()`` first) into a JSON
    document: where a mutation may strike (the tests' field-by-field checks walk them too)."""
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += json_paths(v, (*prefix, k))
    elif isinstance(node, list):
        for k, v in enumerate(node):
            out += json_paths(v, (*prefix, k))
    return out


def mutate_json(doc: Any, rng: random.Random) -> Any:
    """A deep copy of ``doc`` with one to three values replaced, deleted or duplicated."""
    doc = copy.deepcopy(doc)
    paths = [p for p in json_paths(doc) if p]
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(paths)
        parent: Any = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = rng.randrange(5)
            if action == 0:
                del parent[path[-1]]
            elif action == 1 and isinstance(parent, list):
                parent.append(copy.deepcopy(parent[path[-1]]))
            elif action == 2:
                parent[path[-1]] = _deep(rng.choice((50, 900, 5000)))
            else:
                parent[path[-1]] = rng.choice(NASTY_JSON)
        except (KeyError, IndexError, TypeError, RecursionError):
            continue  # RecursionError: copying a value an earlier edit nested 5,000 deep
    return doc


def _dump(doc: Any) -> bytes:
    """JSON text of ``doc``, written by hand where ``json`` would refuse (too deep)."""
    try:
        return json.dumps(doc).encode()
    except (RecursionError, ValueError):
        return b"[" * 5000 + b"]" * 5000


# ----------------------------------------------------------------------------------------------
# running
@dataclass
class Tally:
    """Outcome counts of one part, plus the first example of each crash class."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    crashes: dict[str, str] = field(default_factory=dict)
    #: HTTP status -> answers (the service part only).
    statuses: Counter[int] = field(default_factory=Counter)

    def crash(self, row: str, exc: BaseException) -> None:
        self.counts[(row, "crash")] += 1
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if "optimizer" in f.filename]
        where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
        self.crashes.setdefault(f"{type(exc).__name__} at {where}", row)

    def attempt(
        self, row: str, read: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> tuple[bool, Any]:
        """Run ``read(*args, **kwargs)`` on one input and count how it failed, if it did: an
        ``InputError`` that names a path for each issue as ``InputError`` (without, as a crash),
        any other exception as a crash (the bug this tool hunts). Returns ``(True, what was
        read)``, or ``(False, None)`` after a failure."""
        from optimizer import InputError

        try:
            return True, read(*args, **kwargs)
        except InputError as e:
            ok = bool(e.issues) and all(isinstance(i.path, str) for i in e.issues)
            self.counts[(row, "InputError" if ok else "crash")] += 1
        except Exception as e:
            self.crash(row, e)
        return False, None


def _read_quietly(read_graph: Callable[..., Any], path: Path, nodes: Path | None) -> Any:
    """``read_graph(path, nodes)`` with warnings silenced: networkx warns about undeclared
    GraphML keys (and reads them as text)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_graph(path, nodes)


def _strict_json(inst: Any) -> bool:
    """True when the loaded instance writes back as strict JSON (every number finite)."""
    from optimizer.formats.native import instance_to_dict

    try:
        json.dumps(instance_to_dict(inst), allow_nan=False)
    except ValueError:
        return False
    return True


def fuzz_inputs(n: int, seed: int, tally: Tally, folder: Path) -> None:
    """``n`` mutated files per format through :func:`optimizer.load` (format named)."""
    from optimizer import load

    rng = random.Random(seed)
    seeds = {"native": BUNDLED.read_bytes(), **{k: v.encode() for k, v in SEEDS.items()}}
    native_doc = json.loads(seeds["native"])
    for fmt, base in seeds.items():
        path = folder / f"input.{fmt}"
        for _ in range(n):
            if fmt == "native" and rng.random() < 0.5:
                data = _dump(mutate_json(native_doc, rng))
            else:
                data = mutate_bytes(base, rng)
            path.write_bytes(data)
            tally.counts[(fmt, "inputs")] += 1
            read, inst = tally.attempt(fmt, load, path, format=fmt)
            if not read:
                continue
            if _strict_json(inst):
                tally.counts[(fmt, "result")] += 1
            else:
                tally.counts[(fmt, "bad result")] += 1
                tally.crashes.setdefault("non-finite number in a loaded instance", fmt)


def base_plan() -> tuple[Any, dict[str, Any]]:
    """The bundled small city day and a feasible plan of it with every figure reported."""
    from optimizer import load, solve, validate
    from optimizer.formats.native import solution_to_dict

    inst = load(BUNDLED)
    report = validate(inst, solve(inst, 1.0, 0))
    assert report.feasible
    return inst, solution_to_dict(report.solution)


def _numbers(doc: Any) -> list[tuple[Any, ...]]:
    return [
        p
        for p in json_paths(doc)
        if p
        and p[0] in ("routes", "totals")
        and isinstance(_at(doc, p), float)
        and p[-1] not in ("vehicles_used",)
    ]


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _must_break(inst: Any, doc: dict[str, Any], path: tuple[Any, ...], new: Any) -> bool:
    """Whether setting ``path`` to ``new`` in the feasible plan ``doc`` must break a rule.

    Every reported figure is recomputed, so any change breaks the plan, with two exceptions: the
    arrival at the start depot may be earlier and the departure from the end depot later (the
    vehicle waits at its depot), as long as both stay inside the shift.
    """
    if not (isinstance(new, float) and math.isfinite(new)) or path[0] != "routes":
        return True
    route = doc["routes"][path[1]]
    stop = route["stops"][path[3]]
    first, last = path[3] == 0, path[3] == len(route["stops"]) - 1
    shift = inst.shift_of(inst.vehicle_by_id[route["vehicle"]])
    inside = shift.start_min - 1e-6 <= new <= shift.end_min + 1e-6
    if first and path[-1] == "arrival_min":
        return not (inside and new <= stop["start_min"] + 1e-6)
    if last and path[-1] == "departure_min":
        return not (inside and new >= stop["start_min"] - 1e-6)
    return True


def fuzz_plans(n: int, seed: int, tally: Tally, plan: tuple[Any, dict[str, Any]]) -> None:
    """``n`` mutated plans through :func:`solution_from_dict` and the validator.

    Half the mutations change one reported number of the feasible plan (to a troublemaker, or by a
    random amount well beyond the tolerances): such a plan breaks a rule (its figures are wrong)
    and must be rejected or flagged. The other half are free mutations (structure, references,
    deletions): they must merely not crash.
    """
    from optimizer import InputError, load_solution
    from optimizer.formats.native import solution_from_dict
    from optimizer.validator import validate

    inst, doc = plan
    numbers = _numbers(doc)
    rng = random.Random(seed)
    text = json.dumps(doc, indent=1).encode()
    with tempfile.TemporaryDirectory() as tmp:
        plan_file = Path(tmp) / "plan.json"  # not `path`: that is a JSON path below
        for _ in range(n // 4):  # plan files, byte-mutated, through load_solution
            plan_file.write_bytes(mutate_bytes(text, rng))
            tally.counts[("plan files", "inputs")] += 1
            try:
                report = validate(inst, load_solution(plan_file, inst))
            except InputError:
                tally.counts[("plan files", "InputError")] += 1
                continue
            except Exception as e:
                tally.crash("plan files", e)
                continue
            tally.counts[("plan files", "accepted" if report.feasible else "flagged")] += 1
    for _ in range(n):
        row = "plans"
        if rng.random() < 0.5:
            row = "plans (one figure changed)"
            mutated = copy.deepcopy(doc)
            path = rng.choice(numbers)
            old = _at(doc, path)
            if rng.random() < 0.3:
                new: Any = rng.choice((float("nan"), float("inf"), -float("inf"), 10**400))
            else:
                scale = rng.choice((0.001, 0.1, 2, 1e306))  # 1e306: finite, but sums overflow
                new = old + rng.choice((-1, 1)) * (0.01 + max(abs(old), 1.0) * scale)
            _at(mutated, path[:-1])[path[-1]] = new
            if not _must_break(inst, doc, path, new):
                row = "plans"
        else:
            mutated = mutate_json(doc, rng)
        tally.counts[(row, "inputs")] += 1
        try:
            sol = solution_from_dict(mutated)
        except InputError:
            tally.counts[(row, "InputError")] += 1
            continue
        except Exception as e:
            tally.crash(row, e)
            continue
        try:
            report = validate(inst, sol)
        except Exception as e:
            tally.crash(row, e)
            continue
        try:
            json.dumps(report.to_dict(), allow_nan=False)  # the service sends it as strict JSON
        except ValueError as e:
            tally.crash(row, e)
            continue
        if not report.feasible:
            tally.counts[(row, "flagged")] += 1
        elif row == "plans (one figure changed)":
            tally.counts[(row, "unflagged break")] += 1
            tally.crashes.setdefault(f"unflagged break: {'.'.join(map(str, path))}", row)
        else:
            tally.counts[(row, "accepted")] += 1


def _solution_instances(folder: Path) -> dict[str, Any]:
    """The instance each plan seed of :data:`SOLUTION_SEEDS` is read against (from :data:`SEEDS`)."""
    from optimizer import load

    out: dict[str, Any] = {}
    for part, (fmt, _) in SOLUTION_SEEDS.items():
        path = folder / f"instance.{fmt}"
        path.write_text(SEEDS[fmt])
        out[part] = load(path, format=fmt)
    return out


def fuzz_solutions(n: int, seed: int, tally: Tally, folder: Path) -> None:
    """``n`` mutated plan texts per format of :data:`SOLUTION_SEEDS`, read and then validated.

    ``evrptw-sol`` and ``vrplib-sol`` go through :func:`optimizer.load_solution` (the format named
    on three in four, detected on the rest, as ``optimizer validate`` does without ``--format``);
    ``vrplib-sets-sol`` through :func:`optimizer.formats.vrplib_sets.read_solution`, which has no
    other entry point. A plan that is read must also validate without a crash and report as
    strict JSON; it counts as ``flagged`` or ``accepted``.
    """
    from optimizer import load_solution
    from optimizer.formats import vrplib_sets
    from optimizer.validator import validate

    rng = random.Random(seed)
    instances = _solution_instances(folder)
    for part, (_, text) in SOLUTION_SEEDS.items():
        inst = instances[part]
        base = text.encode()
        path = folder / f"plan.{part}.txt"
        for _ in range(n):
            path.write_bytes(mutate_bytes(base, rng))
            tally.counts[(part, "inputs")] += 1
            if part == "vrplib-sets-sol":
                read, sol = tally.attempt(part, vrplib_sets.read_solution, path, inst)
            else:
                named = part if rng.random() < 0.75 else None
                read, sol = tally.attempt(part, load_solution, path, inst, format=named)
            if not read:
                continue
            try:
                report = validate(inst, sol)
                json.dumps(report.to_dict(), allow_nan=False)
            except Exception as e:
                tally.crash(part, e)
                continue
            tally.counts[(part, "accepted" if report.feasible else "flagged")] += 1


def _pbf_seed(folder: Path) -> bytes | None:
    """The OSM seed as PBF, written by osmium (None when the optional package is missing)."""
    try:
        import osmium
    except ImportError:
        return None
    xml = folder / "seed.osm"
    xml.write_text(ROAD_SEEDS["osm"])
    pbf = folder / "seed.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
    return pbf.read_bytes()


def _finite_graph(graph: Any) -> bool:
    """True when every figure of a read road graph is a usable number (weight limits may be inf)."""
    import numpy as np

    arrays = (graph.coordinates, graph.length_km, graph.speed_kmh, graph.time_min)
    with np.errstate(all="ignore"):
        finite = all(bool(np.all(np.isfinite(a))) for a in arrays)
    return finite and not bool(np.any(np.isnan(graph.max_weight_kg)))


def fuzz_roads(n: int, seed: int, tally: Tally, folder: Path) -> None:
    """``n`` mutated road graphs per reader through :func:`optimizer.roads.read_graph`.

    Rows: ``graphml``; ``road csv`` (the edge file or the node file mutated, the other kept);
    ``osm`` (XML); ``osm pbf`` (the OSM seed written as PBF by osmium, when it is installed). A
    graph that is read must hold only finite coordinates, lengths, speeds and travel times, or it
    counts as a ``bad result``. Then the ``road_network`` row (:func:`fuzz_network_blocks`).
    """
    from optimizer.roads import read_graph

    rng = random.Random(seed)
    edges = ROAD_SEEDS["road csv edges"].encode()
    nodes = ROAD_SEEDS["road csv nodes"].encode()
    parts: list[tuple[str, str, bytes]] = [
        ("graphml", "graph.graphml", ROAD_SEEDS["graphml"].encode()),
        ("road csv", "edges.csv", edges),
        ("osm", "map.osm", ROAD_SEEDS["osm"].encode()),
    ]
    pbf = _pbf_seed(folder)
    if pbf is not None:
        parts.append(("osm pbf", "map.osm.pbf", pbf))
    for row, name, base in parts:
        path = folder / name
        node_path = folder / "nodes.csv"
        for _ in range(n):
            if row == "road csv" and rng.random() < 0.5:
                path.write_bytes(edges)
                node_path.write_bytes(mutate_bytes(nodes, rng))
            else:
                path.write_bytes(mutate_bytes(base, rng))
                node_path.write_bytes(nodes)
            tally.counts[(row, "inputs")] += 1
            nodes_file = node_path if row == "road csv" else None
            read, graph = tally.attempt(row, _read_quietly, read_graph, path, nodes_file)
            if not read:
                continue
            if _finite_graph(graph):
                tally.counts[(row, "result")] += 1
            else:
                tally.counts[(row, "bad result")] += 1
                tally.crashes.setdefault("non-finite number in a read road graph", row)
    fuzz_network_blocks(n, rng, tally, folder)


def network_seed() -> dict[str, Any]:
    """The bundled small city day with a ``travel.road_network`` block (every field given)."""
    doc = json.loads(BUNDLED.read_bytes())
    types = [t["id"] for t in doc["vehicle_types"]]
    doc["travel"] = {
        "road_network": {
            "graph": "edges.csv",
            "nodes": "nodes.csv",
            "gross_weight_kg": {t: 12000.0 + 1000 * k for k, t in enumerate(types)},
            "location_nodes": {doc["locations"][0]["id"]: "a"},
            "max_snap_km": 1.5,
            "cache": False,
        }
    }
    return doc


def fuzz_network_blocks(n: int, rng: random.Random, tally: Tally, folder: Path) -> None:
    """``n`` mutated native days with a road network block through
    :func:`optimizer.roads.paths.network_of` (row ``road_network``), which the CLI calls on the
    instance file it loaded to draw GeoJSON routes and the report's map along the roads.

    Half the mutations are of the JSON document (a value at a random path, the block's included),
    half of its bytes. A road network or ``None`` (not a native day) counts as ``result``.
    """
    from optimizer.roads.paths import network_of

    doc = network_seed()
    base = json.dumps(doc, indent=1).encode()
    path = folder / "day.json"
    for _ in range(n):
        path.write_bytes(
            _dump(mutate_json(doc, rng)) if rng.random() < 0.5 else mutate_bytes(base, rng)
        )
        tally.counts[("road_network", "inputs")] += 1
        read, _ = tally.attempt("road_network", network_of, path)
        if read:
            tally.counts[("road_network", "result")] += 1


def fuzz_service(n: int, seed: int, tally: Tally, folder: Path, max_queued_jobs: int = 5) -> None:
    """``n`` mixed good and bad requests to ``optimizer serve`` on a loopback port.

    Good: health, validate, short solves, jobs and their polling. Bad: mutated instance bodies
    (as :func:`fuzz_inputs` makes them), wrong media types, unknown hosts, missing keys, deep
    nesting, bad parameters. Every answer must be below 500 (except 503 with Retry-After, the
    bounded queue saying "later": counted apart), and every error a JSON body with a ``code``.
    """
    import os
    import signal
    import socket
    import subprocess

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    key = "fuzz-key"
    log = (folder / "service.log").open("ab")
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "optimizer.cli", "serve", "--port", str(port)),
            *("--db", str(folder / "jobs.sqlite3"), "--max-time-limit", "1"),
            *("--max-queued-jobs", str(max_queued_jobs)),
        ],
        cwd=ROOT,
        env={**os.environ, "OPTIMIZER_API_KEY": key},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    rng = random.Random(seed)
    base = BUNDLED.read_bytes()
    doc = json.loads(base)
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the service did not start")
            time.sleep(0.2)
        ok_headers = {"X-API-Key": key, "Content-Type": "application/json"}
        first = client.post("/solve", params={"time_limit_s": 1}, content=base, headers=ok_headers)
        plan = first.json()["plan"]
        solution_to_json = json.dumps({"instance": doc, "solution": plan}).encode()
        jobs: list[str] = []
        for _ in range(n):
            kind = rng.randrange(10)
            headers = dict(ok_headers)
            if kind == 0:
                resp = client.get("/health")
            elif kind == 1:
                resp = client.post("/validate", content=solution_to_json, headers=headers)
            elif kind == 2:
                resp = client.post(
                    "/jobs", params={"time_limit_s": 0.2}, content=base, headers=headers
                )
                if resp.status_code == 202:
                    jobs.append(resp.json()["id"])
            elif kind == 3 and jobs:
                resp = client.get(f"/jobs/{rng.choice(jobs)}", headers=headers)
            elif kind == 4:
                resp = client.post("/solve", content=mutate_bytes(base, rng), headers=headers)
            elif kind == 5:
                body = _dump(mutate_json(doc, rng))
                resp = client.post("/validate", content=body, headers=headers)
            elif kind == 6:
                headers["Content-Type"] = rng.choice(
                    ("text/plain", "", "application/x-www-form-urlencoded")
                )
                resp = client.post("/solve", content=base, headers=headers)
            elif kind == 7:
                headers["Host"] = rng.choice(("attacker.example", "", "127.0.0.2.nip.io"))
                resp = client.get("/health", headers=headers)
            elif kind == 8:
                headers.pop("X-API-Key")
                resp = client.post("/jobs", content=base, headers=headers)
            else:
                params = rng.choice(({"time_limit_s": "soon"}, {"seed": -1}, {"time_limit_s": 1e9}))
                resp = client.post("/solve", params=params, content=b"[" * 5000, headers=headers)
            status = resp.status_code
            tally.statuses[status] += 1
            tally.counts[("service", "inputs")] += 1
            busy = status == 503 and "Retry-After" in resp.headers
            tally.counts[("service", "503 busy" if busy else f"{status // 100}xx")] += 1
            if status >= 500 and not busy:
                tally.crashes.setdefault(f"HTTP {status}: {resp.text[:120]}", "service")
            elif status >= 400:
                try:
                    good = "code" in resp.json()
                except ValueError:
                    good = False
                if not good:
                    tally.counts[("service", "crash")] += 1
                    tally.crashes.setdefault(f"HTTP {status} without a JSON code", "service")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


#: The parts ``--only`` can name (all but ``service`` run by default).
PARTS = ("inputs", "plans", "solutions", "roads", "service")
COLUMNS = (
    "inputs",
    "result",
    "bad result",
    "InputError",
    "flagged",
    "accepted",
    "2xx",
    "4xx",
    "503 busy",
    "5xx",
    "crash",
    "unflagged break",
)


def table(tally: Tally) -> str:
    """The outcome table as Markdown: instance formats, plan texts, road graphs, then plans."""

    def part(row: str) -> int:
        if row in SOLUTION_SEEDS:
            return 1
        if row in ROAD_ROWS:
            return 2
        return 3 if row.startswith("plan") else 0  # "plan files" too: the plans part

    rows = sorted({r for r, _ in tally.counts}, key=lambda r: (part(r), r))
    counts = tally.counts
    cols = [c for c in COLUMNS if c == "crash" or any(counts.get((r, c)) for r in rows)]
    lines = [
        "| input | " + " | ".join(cols) + " |",
        "|---|" + "---:|" * len(cols),
    ]
    for r in rows:
        lines.append(f"| {r} | " + " | ".join(str(counts.get((r, c), 0)) for c in cols) + " |")
    return "\n".join(lines)


def run(
    n: int, seed: int, only: str | None = None, plan: Any = None, max_queued_jobs: int = 5
) -> Tally:
    """Fuzz ``n`` inputs per format, ``n`` plans, ``n`` plan texts per solution format and ``n``
    road graphs per reader (``only``: one of :data:`PARTS`; ``service`` runs only when named)."""
    tally = Tally()
    old_limit = sys.getrecursionlimit()
    try:
        if only in (None, "inputs"):
            with tempfile.TemporaryDirectory() as tmp:
                fuzz_inputs(n, seed, tally, Path(tmp))
        if only in (None, "plans"):
            fuzz_plans(n, seed, tally, plan or base_plan())
        if only in (None, "solutions"):
            with tempfile.TemporaryDirectory() as tmp:
                fuzz_solutions(n, seed, tally, Path(tmp))
        if only in (None, "roads"):
            with tempfile.TemporaryDirectory() as tmp:
                fuzz_roads(n, seed, tally, Path(tmp))
        if only == "service":
            with tempfile.TemporaryDirectory() as tmp:
                fuzz_service(n, seed, tally, Path(tmp), max_queued_jobs)
    finally:
        sys.setrecursionlimit(old_limit)
    return tally


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.fuzz", description=__doc__)
    ap.add_argument(
        "--n", type=int, default=1000, help="inputs per format and per part's row, and plans"
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--only",
        choices=PARTS,
        help="one part; 'service' (n requests to a service on loopback) runs only when named",
    )
    ap.add_argument(
        "--max-queued-jobs",
        type=int,
        default=5,
        help="the service's queue limit (small by default, so that the 503 answers are tried too)",
    )
    args = ap.parse_args(argv)
    started = time.monotonic()
    tally = run(args.n, args.seed, args.only, max_queued_jobs=args.max_queued_jobs)
    print(table(tally))
    print(f"\n{time.monotonic() - started:.1f} s, seed {args.seed}")
    if tally.statuses:
        print("HTTP statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(tally.statuses.items())))
    for what, row in sorted(tally.crashes.items()):
        print(f"  {row}: {what}")
    bad = ("crash", "unflagged break", "bad result", "5xx")
    failed = sum(v for (_, c), v in tally.counts.items() if c in bad)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
