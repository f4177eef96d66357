"""The iLEAP export of the worked example: decimal strings, by hand (``test_accounting.py``)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.carbon.accounting import account
from optimizer.carbon.ileap import decimal, ileap_export
from optimizer.cli import app
from optimizer.formats.native import instance_to_dict, solution_to_dict

from .worked_example import make_instance, make_plan

#: The iLEAP Decimal pattern (gen/schemas/shipment-footprint.json).
DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")


def _decimals(x: object) -> list[str]:
    keys = {
        "mass",
        "transportActivity",
        "co2eWTW",
        "co2eTTW",
        "sfd",
        "co2eIntensityWTW",
        "co2eIntensityTTW",
        "emissionFactorWTW",
        "emissionFactorTTW",
        "energyConsumption",
        "loadFactor",
        "emptyDistanceFactor",
    }
    out: list[str] = []
    if isinstance(x, dict):
        for k, v in x.items():
            if k in keys:
                out.append(v)
            out += _decimals(v)
    elif isinstance(x, list):
        for v in x:
            out += _decimals(v)
    return out


def test_decimal_strings() -> None:
    assert decimal(163.4727272727) == "163.472727"
    assert decimal(1000.0) == "1000"
    assert decimal(-0.0000001) == "0"
    assert decimal(1e-7, 9) == "0.0000001"
    with pytest.raises(ValueError):
        decimal(math.nan)


def test_shipment_footprints_by_hand() -> None:
    inst = make_instance()
    doc = ileap_export(account(inst, make_plan()), inst.type_by_id)
    assert all(DECIMAL.match(v) for v in _decimals(doc))
    fps = {f["shipmentId"]: f for f in doc["shipmentFootprints"]}
    assert set(fps) == {"J1", "J2", "J3", "S1"}
    (j1,) = fps["J1"]["tces"]
    # J1: 10 t over SFD 100 km = 1000 t·km; 5/11 of 359.64 kg WTW, of 296.37 kg TTW.
    assert fps["J1"]["mass"] == "10000" and j1["mass"] == "10000"
    assert j1["distance"] == {"sfd": "100"} and j1["transportActivity"] == "1000"
    assert j1["co2eWTW"] == "163.472727" and j1["co2eTTW"] == "134.713636"
    (s1,) = fps["S1"]["tces"]
    assert s1["co2eWTW"] == "191.666667" and s1["co2eTTW"] == "0"
    tocs = {t["tocId"]: t for t in doc["tocs"]}
    dsl = tocs[j1["tocId"]]
    assert dsl["mode"] == "Road" and dsl["co2eIntensityThroughput"] == "tkm"
    # 359.64 kg / 2200 t·km = 0.163473 kg/t·km; 111 L of diesel at 3.24 / 2.67 kg/L.
    assert dsl["co2eIntensityWTW"] == "0.163473"
    (carrier,) = dsl["energyCarriers"]
    assert carrier["energyCarrier"] == "Diesel" and carrier["energyConsumption"] == "111"
    assert (carrier["emissionFactorWTW"], carrier["emissionFactorTTW"]) == ("3.24", "2.67")
    ev = tocs[s1["tocId"]]
    (elec,) = ev["energyCarriers"]
    # 500 grid kWh, 287.5 kg: 0.575 kg/kWh (the trip's mix of CH at 0.5 and the depot at 0.6).
    assert elec["energyCarrier"] == "Electric" and elec["energyConsumptionUnit"] == "kWh"
    assert (elec["energyConsumption"], elec["emissionFactorWTW"]) == ("500", "0.575")
    assert elec["feedstocks"] == [{"feedstock": "Grid"}]
    # The TCEs add up to the plan (to the printed decimals).
    total = sum(float(f["tces"][0]["co2eWTW"]) for f in doc["shipmentFootprints"])
    assert total == pytest.approx(647.14, abs=1e-5)


def test_cli_report_writes_ileap(tmp_path: Path) -> None:
    inst, plan, out = tmp_path / "i.json", tmp_path / "p.json", tmp_path / "ileap.json"
    inst.write_text(json.dumps(instance_to_dict(make_instance())), "utf-8")
    plan.write_text(json.dumps(solution_to_dict(make_plan())), "utf-8")
    args = ["report", str(inst), str(plan), "--baseline-time-limit", "0", "--ileap", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text("utf-8"))
    assert len(doc["shipmentFootprints"]) == 4 and len(doc["tocs"]) == 2
