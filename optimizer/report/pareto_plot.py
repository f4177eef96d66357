"""A picture of the cost-versus-carbon frontier: every plan solved, the frontier joined up and
numbered, and under it one line per frontier plan (money, CO2e, fleet, how it was found).

Why numbers and a list instead of labels at the points: frontier plans often lie a few kg apart,
and labels at the points overprint each other.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

from ..studies.pareto import ParetoResult, abatement_costs


def _fleet(vehicles: dict[str, int]) -> str:
    return ", ".join(f"{v} {k}" for k, v in vehicles.items())


def render_frontier_png(result: ParetoResult, dpi: int = 110) -> bytes:
    """PNG bytes of the frontier (about 1,100 x 850 pixels at the default dpi)."""
    front = result.frontier
    fig = Figure(figsize=(10, 5.9 + 0.16 * len(front)), dpi=dpi, layout="constrained")
    ax, notes = fig.subplots(2, 1, height_ratios=[5.2, 0.15 + 0.16 * len(front)])
    frontier_ids = {id(p) for p in front}
    others = [p for p in result.points if id(p) not in frontier_ids]
    if others:
        ax.scatter(
            [p.co2e_wtw_kg for p in others],
            [p.money_cost for p in others],
            s=30,
            color="#b0b8c1",
            label="other plans solved (dominated or repeated)",
            zorder=2,
        )
    ax.plot(
        [p.co2e_wtw_kg for p in front],
        [p.money_cost for p in front],
        "-o",
        color="#1f77b4",
        ms=8,
        lw=2,
        label="frontier (distinct, non-dominated, validated)",
        zorder=3,
    )
    for k, p in enumerate(front, start=1):
        ax.annotate(
            str(k),
            (p.co2e_wtw_kg, p.money_cost),
            xytext=(7, 5),
            textcoords="offset points",
            fontsize=10,
            fontweight="bold",
            color="#1f77b4",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
            zorder=4,
        )
    ax.set_xlabel("CO2e well-to-wheel (kg)")
    ax.set_ylabel(f"money cost ({result.currency}, without the carbon price)")
    ax.set_title(
        f"{result.instance}: cost versus carbon ({len(result.points)} plans solved, "
        f"{result.time_limit_s:g} s each)",
        loc="left",
        fontsize=12,
        fontweight="bold",
    )
    ax.grid(True, lw=0.3, alpha=0.6)
    ax.legend(fontsize=8, loc="upper right")
    ax.margins(0.12)
    lines = []
    for k, (p, abatement) in enumerate(zip(front, abatement_costs(front), strict=True), start=1):
        extra = "" if abatement is None else f", {abatement:,.0f} {result.currency}/t over {k - 1}"
        lines.append(
            f"{k}: {p.money_cost:,.0f} {result.currency}, {p.co2e_wtw_kg:,.1f} kg{extra}; "
            f"{_fleet(p.vehicles_by_type)}; {p.found_by} at {p.carbon_price_per_t_co2e:,.0f}/t"
        )
    notes.set_axis_off()
    notes.text(0.0, 1.0, "\n".join(lines), va="top", ha="left", fontsize=8, family="monospace")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
