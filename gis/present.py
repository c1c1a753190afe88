"""How figures are worded, formatted and coloured, and the ONE builder of a zone's headline figures.

The Explorer, Compare, the brief and ``python -m gis stats`` all call ``zone_figures`` and
show what it returns through the row tables and formatters here, so a new figure (reach,
ranges, B − A) is added in one place. Nothing here computes geometry or people: that is
``zones``, ``population`` and ``stats``; this module only reads their results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gis import layers, monitoring, reach, zones
from gis.frontline import Front
from gis.population import MAX_DISTANCE_KM, PopulationEstimate
from gis.stats import ZoneAnalysis, occupied_summary
from gis.zones import Zone

PRE_WAR_NOTE = "pre-war residents (2022 statistics), not people there today"
SIDE_LABELS = {"occupied": "occupied", "ukraine_controlled": "Ukrainian-controlled"}  # what readers see
NUCLEAR = layers.NUCLEAR_KIND
INFRA_KIND_LABELS = {  # shorter names for narrow tables
    NUCLEAR: "nuclear plant",
    "thermal power plant": "thermal plant",
    "hydroelectric power plant": "hydro plant",
    "pumped-storage power plant": "pumped storage",
    "hydroelectric and pumped-storage power plant": "hydro, pumped",
}

# One place for the colours (maps, legends, the brief).
COLORS = {
    "occupied": "#b2182b",
    "frontline": "#67000d",
    "zone_occupied": "#f4a442",
    "zone_controlled": "#2b83ba",
    "greyzone": "#7f7f7f",
    "ukraine": "#f7f7f2",
    "oblast": "#8c8c8c",
    "town": "#333333",
    "npp": "#7b3294",
    "pre2022": "#000000",
    "posts": "#1a9850",
    "coverage": "#66bd63",
    "gap": "#d7191c",
    "airport": "#0b3d91",
    "energy": "#8c510a",
    "reach_russian": "#99000d",  # the band Russian weapons still reach (Ukrainian-controlled side)
    "reach_ukrainian": "#08306b",  # the band Ukrainian weapons still reach (occupied side)
}
# Zone fills (occupied side, Ukrainian-controlled side): zone A as on the Explorer, zone B lighter (Compare).
ZONE_COLORS = {
    "A": (COLORS["zone_occupied"], COLORS["zone_controlled"]),
    "B": ("#fdb863", "#92c5de"),
}


# ------------------------------------------------------------------------------ formatters


def side_label(side: str) -> str:
    """'ukraine_controlled' -> 'Ukrainian-controlled' (readers never see internal identifiers)."""
    return SIDE_LABELS.get(side, side)


def people_text(n: float, million: str = " million") -> str:
    """People for readers: 1,481,234 -> '1.48 million' (or '1.48 M' with ``million=" M"``);
    305,239 -> '305,200'; 4,288 -> '4,288'."""
    if n >= 1e6:
        return f"{n / 1e6:.2f}{million}"
    if n >= 1e4:
        return f"{round(n, -2):,.0f}"
    return f"{n:,.0f}"


def people_short(n: float) -> str:
    """1,234,567 -> '1.23 M'; 12,345 -> '12,300' (metrics, captions)."""
    return people_text(n, million=" M")


def people_range_text(low: float, high: float) -> str:
    """The range between the two population methods, or that they agree at the shown precision."""
    lo, hi = people_short(low), people_short(high)
    return f"range {lo} – {hi}" if lo != hi else f"both methods give {lo}"


def km2_text(area_km2: float) -> str:
    """12,345.6 -> '12,346 km²'."""
    return f"{area_km2:,.0f} km²"


def distance_range_text(km_min: float, km_max: float) -> str:
    """'2.1–9 km' (or '3.4 km' for a point) from a settlement's nearest/farthest distance (km)."""
    if not np.isfinite(km_min):
        return f"over {MAX_DISTANCE_KM:g} km"
    if not np.isfinite(km_max):
        return f"{km_min:g} to over {MAX_DISTANCE_KM:g} km"
    if km_max - km_min < 0.1:
        return f"{km_min:g} km"
    return f"{km_min:g}–{km_max:g} km"


def zone_label(zone: Zone, front: Front, proposal: str | None = None) -> str:
    """What readers call a zone: a preset's label when ``proposal`` names one that the zone matches on the
    shipped line, 'Zone 25 km' (along a custom line: 'Zone 25 km along <line>'), or an uploaded zone's name."""
    if zone.custom:
        return f"Zone from {zone.name}" if zone.name else "Uploaded zone"
    preset = zones.PROPOSALS.get(proposal or "")
    if preset and not front.custom and (preset.width_km, preset.split) == (zone.width_km, zone.split):
        return preset.label
    return f"Zone {zone.width_km:g} km" + (f" along {front.source}" if front.custom else "")


# ------------------------------------------------------------------------------ the figures of a zone


@dataclass(frozen=True)
class ZoneFigures:
    """A zone's headline figures: widths and depths (km, NaN for an uploaded zone), areas (km², equal-area),
    people (pre-war 2022 residents), settlements and infrastructure inside, and the date's line and occupation."""

    label: str
    date: str
    custom_zone: bool
    custom_line: bool
    line_source: str
    width_km: float
    split: float
    ru_depth_km: float
    ua_depth_km: float
    area_km2: float
    area_km2_occupied: float
    area_km2_controlled: float
    frontline_km: float
    occupied_km2: float
    occupied_pct: float
    people: PopulationEstimate
    settlements: int
    nuclear: tuple[str, ...]
    airports: tuple[str, ...]  # airports and air bases
    energy: tuple[str, ...]  # thermal, hydro and pumped-storage plants
    towns: pd.DataFrame = field(compare=False, repr=False)
    infrastructure: pd.DataFrame = field(compare=False, repr=False)
    within_reach: tuple[reach.WeaponReach, ...] = field(default=(), compare=False, repr=False)  # what the zone buys

    def reach_of(self, key: str) -> reach.WeaponReach | None:
        """The reach figures of weapon class ``key``, if computed."""
        return next((r for r in self.within_reach if r.weapon.key == key), None)


def zone_figures(
    front: Front, zone: Zone, analysis: ZoneAnalysis, label: str, within_reach: Sequence[reach.WeaponReach] = ()
) -> ZoneFigures:
    """The one builder of a zone's headline figures (see ``ZoneFigures``); ``within_reach``: each weapon class
    today and after the zone's pull-back (``reach.weapon_reach``), if wanted."""
    occ = occupied_summary(front)
    infra = analysis.infrastructure
    return ZoneFigures(
        label=label,
        date=front.date,
        custom_zone=zone.custom,
        custom_line=front.custom,
        line_source=front.source,
        width_km=zone.width_km,
        split=zone.split,
        ru_depth_km=zone.ru_depth_km,
        ua_depth_km=zone.ua_depth_km,
        area_km2=zone.area_km2,
        area_km2_occupied=zone.area_km2_occupied,
        area_km2_controlled=zone.area_km2_controlled,
        frontline_km=occ["frontline_km"],
        occupied_km2=occ["occupied_km2"],
        occupied_pct=occ["occupied_pct"],
        people=analysis.population,
        settlements=len(analysis.towns),
        nuclear=tuple(infra.loc[infra["kind"] == NUCLEAR, "name"]),
        airports=tuple(infra.loc[infra["kind"].isin(layers.AIRPORT_KINDS), "name"]),
        energy=tuple(infra.loc[infra["kind"].isin(layers.ENERGY_KINDS), "name"]),
        towns=analysis.towns,
        infrastructure=infra,
        within_reach=tuple(within_reach),
    )


# ------------------------------------------------------------------------------ tables of figures


@dataclass(frozen=True)
class Row:
    """One line of a figures table: its label, how one zone's value is written, and whether it is bold."""

    label: str
    value: Callable[[ZoneFigures], str]
    bold: bool = False


def _depth(km: Callable[[ZoneFigures], float]) -> Callable[[ZoneFigures], str]:
    return lambda f: "–" if f.custom_zone else f"{km(f):g} km"


def _listed(names: tuple[str, ...], n: int = 4) -> str:
    """'3 (Kramatorsk Airport, …)': the count and the first ``n`` names."""
    if not names:
        return "0"
    return f"{len(names)} ({', '.join(names[:n])}" + (", …)" if len(names) > n else ")")


# The brief's figures panel.
BRIEF_ROWS = (
    Row("Total width", lambda f: "uploaded" if f.custom_zone else f"{f.width_km:g} km", True),
    Row("Russian forces pull back", _depth(lambda f: f.ru_depth_km)),
    Row("Ukrainian forces pull back", _depth(lambda f: f.ua_depth_km)),
    Row("Zone area", lambda f: km2_text(f.area_km2), True),
    Row("   occupied side", lambda f: km2_text(f.area_km2_occupied)),
    Row("   Ukrainian-controlled side", lambda f: km2_text(f.area_km2_controlled)),
    Row("People inside (estimate)", lambda f: people_text(f.people.estimate), True),
    Row("   range", lambda f: f"{round(f.people.low, -2):,.0f} – {round(f.people.high, -2):,.0f}"),
    Row("   occupied side", lambda f: people_text(f.people.occupied)),
    Row("   Ukrainian-controlled side", lambda f: people_text(f.people.ukraine_controlled)),
    Row("Settlements inside", lambda f: f"{f.settlements:,}"),
    Row("Nuclear plants inside", lambda f: ", ".join(f.nuclear) or "none", True),
    Row("Airports, air bases inside", lambda f: f"{len(f.airports)}"),
    Row("Power plants inside", lambda f: f"{len(f.energy)}"),
)


def _posts(sensor: str) -> Callable[[ZoneFigures], str]:
    """Posts of a sensor preset to watch the whole zone (``monitoring.posts_for_area``)."""
    return lambda f: f"{monitoring.posts_for_area(f.area_km2, monitoring.SENSORS[sensor].range_km):,}"


# The Compare page's table.
COMPARE_ROWS = (
    Row("width (km)", lambda f: f"{f.width_km:g}"),
    Row("pull-back, occupied side (km)", lambda f: f"{f.ru_depth_km:g}"),
    Row("pull-back, Ukrainian side (km)", lambda f: f"{f.ua_depth_km:g}"),
    Row("area, occupied side (km²)", lambda f: f"{f.area_km2_occupied:,.0f}"),
    Row("area, Ukrainian side (km²)", lambda f: f"{f.area_km2_controlled:,.0f}"),
    Row("area, total (km²)", lambda f: f"{f.area_km2:,.0f}"),
    Row("people (estimate)", lambda f: f"{f.people.estimate:,.0f}"),
    Row("people (range)", lambda f: f"{f.people.low:,.0f} – {f.people.high:,.0f}"),
    Row("settlements inside", lambda f: f"{f.settlements:,}"),
    Row("Zaporizhzhia NPP inside", lambda f: "yes" if "Zaporizhzhia NPP" in f.nuclear else "no"),
    Row("airports and air bases inside", lambda f: _listed(f.airports)),
    Row("power plants inside (thermal, hydro)", lambda f: _listed(f.energy)),
    Row("camera posts to watch the whole zone", _posts("camera")),
    Row("radar posts to watch the whole zone", _posts("radar_people")),
)


def _people_after(key: str, side: str) -> Callable[[ZoneFigures], str]:
    def value(f: ZoneFigures) -> str:
        r = f.reach_of(key)
        return "–" if r is None else people_text(r.after[side].people.estimate)

    return value


def reach_rows(weapons: Sequence[reach.Weapon]) -> tuple[Row, ...]:
    """Per weapon class: people still within reach after the pull-back, on each side (Compare, the brief)."""
    rows = []
    for w in weapons:
        rows.append(
            Row(
                f"within Russian {w.label.lower()} reach ({w.reach_km:g} km), Ukrainian side",
                _people_after(w.key, "ukraine_controlled"),
            )
        )
        rows.append(
            Row(
                f"within Ukrainian {w.label.lower()} reach ({w.reach_km:g} km), occupied side",
                _people_after(w.key, "occupied"),
            )
        )
    return tuple(rows)


def table(figures: Sequence[ZoneFigures], rows: Sequence[Row]) -> list[tuple[str, list[str], bool]]:
    """(label, one value per zone, bold) for each row."""
    return [(r.label, [r.value(f) for f in figures], r.bold) for r in rows]


@dataclass(frozen=True)
class Metric:
    """One headline metric: label, value and the help text behind it."""

    label: str
    value: str
    help: str | None = None


def explorer_metrics(f: ZoneFigures) -> list[Metric]:
    """The Explorer's five headline metrics."""
    p = f.people
    first = (
        Metric("Zone", "uploaded polygon")
        if f.custom_zone
        else Metric(
            "Pull-back (km)",
            f"{f.ru_depth_km:g} + {f.ua_depth_km:g}",
            "Depth of the zone on the occupied side / on the Ukrainian-controlled side: how far each side's "
            "forces pull back.",
        )
    )
    return [
        first,
        Metric(
            "Zone area",
            km2_text(f.area_km2),
            f"Occupied side {km2_text(f.area_km2_occupied)}, Ukrainian-controlled side "
            f"{km2_text(f.area_km2_controlled)} (equal-area CRS).",
        ),
        Metric(
            "People inside (estimate)",
            people_short(p.estimate),
            f"{people_range_text(p.low, p.high).capitalize()}: {PRE_WAR_NOTE}.",
        ),
        Metric("Uploaded line" if f.custom_line else "Frontline length", f"{f.frontline_km:,.0f} km"),
        Metric(
            "Occupied", f"{f.occupied_pct:.1f} %", f"{f.occupied_km2:,.0f} km² of Ukraine on {f.date} (DeepStateMap)."
        ),
    ]


def people_caption(f: ZoneFigures) -> str:
    """The line under the Explorer's metrics: people with range and by side, areas by side."""
    p = f.people
    return (
        f"People: **{people_short(p.estimate)}** ({people_range_text(p.low, p.high)}) — "
        f"{people_short(p.occupied)} on the occupied side, {people_short(p.ukraine_controlled)} on the "
        f"Ukrainian-controlled side; {PRE_WAR_NOTE}. Areas: {f.area_km2_occupied:,.0f} km² occupied side, "
        f"{f.area_km2_controlled:,.0f} km² Ukrainian side."
    )


def summary_row(f: ZoneFigures) -> dict:
    """The Explorer's one-row summary CSV."""
    row = {
        "date": f.date,
        "width_km": f.width_km,
        "split": f.split,
        "zone_km2": round(f.area_km2, 1),
        "zone_km2_occupied": round(f.area_km2_occupied, 1),
        "zone_km2_controlled": round(f.area_km2_controlled, 1),
    }
    people = f.people.as_dict()
    row.update({f"people_{k}": v for k, v in people.items() if not isinstance(v, dict | str)})
    return row


def oblasts_rows(occupied: pd.DataFrame, people_by_oblast: dict[str, float], names: dict[str, str]) -> pd.DataFrame:
    """Oblasts touched by the occupation (``stats.occupied_by_oblast``) or the zone: % and km² occupied, people
    in the zone (whole people); most people first."""
    isos = list(dict.fromkeys([*occupied["iso"], *people_by_oblast]))  # occupied oblasts first, then the rest
    occ = occupied.set_index("iso")
    people = np.array([round(people_by_oblast.get(i, 0.0)) for i in isos], dtype=float)  # none inside: 0
    obl = pd.DataFrame(
        {
            "oblast": [names.get(i) for i in isos],
            "occupied_pct": occ["occupied_pct"].reindex(isos).to_numpy(),
            "occupied_km2": occ["occupied_km2"].reindex(isos).to_numpy(),
            "people_in_zone": people,
        }
    )
    return obl.iloc[np.argsort(-people, kind="stable")]


# ------------------------------------------------------------------------------ the CLI's report


def _records(df: pd.DataFrame) -> list[dict]:
    """DataFrame rows as JSON-safe dicts (NaN -> None, numpy scalars -> Python)."""
    return df.astype(object).where(df.notna(), None).to_dict("records")


def report(f: ZoneFigures, proposal: str | None = None, max_towns: int = 25) -> dict:
    """The JSON-able summary printed by ``python -m gis stats``."""
    return {
        "date": f.date,
        "proposal": proposal,
        "width_km": f.width_km,
        "split": f.split,
        "ru_depth_km": round(f.ru_depth_km, 3),
        "ua_depth_km": round(f.ua_depth_km, 3),
        "frontline_km": round(f.frontline_km, 1),
        "zone_km2": round(f.area_km2, 1),
        "zone_km2_by_side": {
            "occupied": round(f.area_km2_occupied, 1),
            "ukraine_controlled": round(f.area_km2_controlled, 1),
        },
        "occupied_km2": f.occupied_km2,
        "occupied_pct": f.occupied_pct,
        "population": {
            **f.people.as_dict(),
            "note": PRE_WAR_NOTE,
            "settlements_count": f.settlements,
            "settlements": _records(f.towns.head(max_towns).drop(columns=["lon", "lat"])),
        },
        "infrastructure": _records(f.infrastructure),
        "source": layers.ATTRIBUTION,
    }


# ------------------------------------------------------------------------------ sentences


def town_phrase(r) -> str:
    """'Kherson (305,239 people, 41 % inside, 2.1–9 km from the line)' for a towns-table row."""
    people = f"{r.population:,.0f} people" if r.population == r.population else "population unknown"
    share = "" if r.share_inside >= 0.995 else f", {r.share_inside:.0%} inside"
    return f"{r.name} ({people}{share}, {distance_range_text(r.km_min, r.km_max)} from the line)"


def summary_sentence(f: ZoneFigures, key_towns: pd.DataFrame) -> str:
    """A plain-language line about a zone, generated from its figures; ``key_towns``: the main
    Ukrainian-held towns near the line (``stats.towns_near_line``)."""
    p, towns = f.people, f.towns
    text = (
        f"The {f.label} moves Russian forces {f.ru_depth_km:g} km back and Ukrainian forces {f.ua_depth_km:g} km "
        f"back, over {f.area_km2:,.0f} km² holding about {p.estimate / 1e3:,.0f} thousand pre-war residents "
        f"({p.low / 1e3:,.0f}–{p.high / 1e3:,.0f} thousand) in {len(towns):,} settlements"
    )
    if len(towns):
        largest = towns.sort_values("population", ascending=False).head(3)
        text += ", the largest " + ", ".join(town_phrase(r) for r in largest.itertuples())
    parts = [text + "."]
    if len(key_towns):
        dist = ", ".join(f"{r.name} {r.km_to_line + f.ru_depth_km:.0f} km" for r in key_towns.itertuples())
        parts.append(
            "Russian forces would then be at least this far from the centres of the main Ukrainian-held towns "
            f"near the line: {dist}."
        )
    if len(f.infrastructure):
        listed = ", ".join(
            f"{r.name} ({side_label(r.side)} side, {r.km_to_line:g} km from the line)"
            for r in f.infrastructure.itertuples()
        )
        parts.append(f"It puts {listed} inside the zone.")
    else:
        parts.append("No listed nuclear plant, power plant or airport lies inside it.")
    return " ".join(parts)


# ------------------------------------------------------------------------------ reach


REACH_SIDE_LABELS = {
    "ukraine_controlled": "Ukrainian-controlled side, within reach of Russian positions",
    "occupied": "occupied side, within reach of Ukrainian positions",
}


def _town_rows(towns: pd.DataFrame, n: int) -> list[dict]:
    return [
        {
            "name": r.name,
            "people": None if r.population != r.population else int(r.population),
            "km_from_positions": float(r.km_from_positions),
        }
        for r in towns.head(n).itertuples()
    ]


def _infra_rows(infra: pd.DataFrame) -> list[dict]:
    return [
        {"name": r.name, "kind": r.kind, "km_from_positions": float(r.km_from_positions)} for r in infra.itertuples()
    ]


def reach_side(today: reach.SideReach, after: reach.SideReach, max_towns: int) -> dict:
    """One side of one class in ``python -m gis reach``: people today and after (estimate, range), what the
    pull-back moves out of reach, and the towns and infrastructure within reach."""
    return {
        "people_today": round(today.people.estimate),
        "people_today_low": round(today.people.low),
        "people_today_high": round(today.people.high),
        "people_after": round(after.people.estimate),
        "people_low": round(after.people.low),
        "people_high": round(after.people.high),
        "people_out_of_reach": round(today.people.estimate - after.people.estimate),
        "towns_today_count": len(today.towns),
        "towns_after_count": len(after.towns),
        "towns_today": _town_rows(today.towns, max_towns),
        "towns_after": _town_rows(after.towns, max_towns),
        "infrastructure_today": _infra_rows(today.infrastructure),
        "infrastructure_after": _infra_rows(after.infrastructure),
    }


def reach_report(
    zone: Zone, proposal: str | None, options: reach.ReachOptions, results: Sequence[reach.WeaponReach], max_towns: int
) -> dict:
    """The JSON-able report printed by ``python -m gis reach``."""
    weapons = [
        {
            "weapon": r.weapon.key,
            "label": r.weapon.label,
            "reach_km": r.weapon.reach_km,
            "source": r.weapon.source,
            "reach_is": reach.ORDER_OF_MAGNITUDE,
            "positions_after_km": {
                "russian_from_line": r.after_backs.ru_km,
                "ukrainian_from_line": r.after_backs.ua_km,
                "russian_from_border": r.after_backs.border_km,
            },
            **{side: reach_side(r.today[side], r.after[side], max_towns) for side in zones.SIDES},
        }
        for r in results
    ]
    return {
        "date": zone.date,
        "proposal": proposal,
        "width_km": zone.width_km,
        "split": zone.split,
        "ru_depth_km": round(zone.ru_depth_km, 3),
        "ua_depth_km": round(zone.ua_depth_km, 3),
        "options": {"border_pullback": options.border_pullback, "belarus": options.belarus, "minsk": options.minsk},
        "sides": REACH_SIDE_LABELS,
        "weapons": weapons,
        "note": f"People: {PRE_WAR_NOTE}. {reach.DISTANCE_NOTE}",
        "source": layers.ATTRIBUTION,
    }
