"""How figures are worded, formatted and coloured, and the ONE builder of a zone's headline figures.

The Explorer, Compare, the brief and ``python -m gis stats`` all call ``zone_figures`` and
show what it returns through the row tables and formatters here, so a new figure (reach,
ranges, B − A) is added in one place. Nothing here computes geometry or people: that is
``zones``, ``population`` and ``stats``; this module only reads their results.
"""

from __future__ import annotations

import math
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
# Where the people figures come from (geodata/SOURCES.md): short for credits, long for a brief's sources.
POPULATION_SOURCES = (
    "Population: State Statistics Service of Ukraine, 1 Jan 2022, via KSE (MIT); OCHA COD-PS 2022 (CC BY-IGO)"
)
POPULATION_SOURCES_LONG = (
    "People: hromada populations of the State Statistics Service of Ukraine on 1 January 2022 (KSE-Loc-Data-Hub, "
    "Kyiv School of Economics, MIT), scaled to the oblast totals of OCHA COD-PS 2022 (CC BY-IGO); settlement "
    "figures of places that are not hromada centres from GeoNames (CC BY 4.0)."
)
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


def _people_scale(values: Sequence[float]) -> float:
    """The one scale of a set of people figures written together: millions when every one is a million
    or more, else people (so '419,900' never stands beside '1.66 million')."""
    finite = [v for v in values if v == v]
    return 1e6 if finite and min(abs(v) for v in finite) >= 1e6 else 1.0


def people_texts(values: Sequence[float], million: str = " million") -> list[str]:
    """People figures written in ONE format: all in millions ('1.48 million') when each is a million or more,
    else whole people rounded to 100 from 10,000 up ('305,200', '4,288')."""
    scale = _people_scale(values)
    return [_write_people(v, scale).replace(" million", million) for v in values]


def people_text(n: float, million: str = " million") -> str:
    """People for readers: 1,481,234 -> '1.48 million' (or '1.48 M' with ``million=" M"``);
    305,239 -> '305,200'; 4,288 -> '4,288'."""
    return people_texts([n], million)[0]


def people_short(n: float) -> str:
    """1,234,567 -> '1.23 M'; 12,345 -> '12,300' (metrics, captions)."""
    return people_text(n, million=" M")


def people_span(low: float, high: float, million: str = " million") -> str | None:
    """'1.64 – 1.69 million' or '410,200 – 430,100': both ends in one format; None when they are the same
    at that precision (no 'x – x' range)."""
    lo, hi = people_texts([low, high], million)
    if lo == hi:
        return None
    if million and lo.endswith(million) and hi.endswith(million):
        lo = lo.removesuffix(million)
    return f"{lo} – {hi}"


def people_range_text(low: float, high: float) -> str:
    """The people range (the real alternatives, ``PopulationEstimate``), or that they agree at the shown precision."""
    span = people_span(low, high, " M")
    return f"range {span}" if span else "every estimate agrees"


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


MINUS = "\u2212"  # a real minus sign in signed figures (B − A)


@dataclass(frozen=True)
class NumberFormat:
    """How the numbers of one row are written, all in one format: ``scale(values)`` picks the scale they share
    (e.g. millions of people), ``write(value, scale)`` writes one value at that scale and ``parse`` reads a
    written value back."""

    write: Callable[[float, float], str]
    scale: Callable[[Sequence[float]], float] = lambda values: 1.0
    parse: Callable[[str], float] = lambda text: _parse_number(text)

    def texts(self, values: Sequence[float]) -> list[str]:
        s = self.scale(values)
        return [self.write(v, s) for v in values]

    def difference(self, a: float, b: float) -> str:
        """B − A signed ('+1,242,000', '−3', '0') at the scale of A and B, computed from the values as they
        are written, so that the column adds up for a reader checking it."""
        s = self.scale([a, b])
        d = self.parse(self.write(b, s)) - self.parse(self.write(a, s))
        if abs(d) < 1e-9:
            return "0"
        return ("+" if d > 0 else MINUS) + self.write(abs(d), s)


def _parse_number(text: str) -> float:
    """'1,661,900' -> 1661900; '1.66 million' -> 1660000; '12.5' -> 12.5."""
    head = text.split()[0].replace(",", "")
    return float(head) * (1e6 if text.endswith((" million", " M")) else 1.0)


def _write_people(v: float, scale: float) -> str:
    if scale == 1e6:
        return f"{v / 1e6:.2f} million"
    return f"{round(v, -2):,.0f}" if abs(v) >= 1e4 else f"{v:,.0f}"


PEOPLE = NumberFormat(_write_people, _people_scale)
COUNT = NumberFormat(lambda v, s: f"{v:,.0f}")
KM2 = COUNT  # areas in whole km² (the unit is in the row's label)
KM2_UNIT = NumberFormat(lambda v, s: km2_text(v))  # '26,394 km²' (the brief's rows)
KM = NumberFormat(lambda v, s: f"{round(v, 2):g}")


@dataclass(frozen=True)
class Row:
    """One line of a figures table: its label, how one zone's value is written, and whether it is bold.

    A row with a ``number`` (one zone's value as a number) is written by its ``fmt``, every zone's value in
    one format, and gets a B − A figure (``difference``); ``value``, when given, writes a zone's cell
    instead (a text, a list of names), and ``values`` all zones' cells together (e.g. ranges in one format).
    A row without ``number`` has no B − A."""

    label: str
    value: Callable[[ZoneFigures], str] | None = None
    bold: bool = False
    number: Callable[[ZoneFigures], float] | None = None
    fmt: NumberFormat = COUNT
    values: Callable[[Sequence[ZoneFigures]], list[str]] | None = None  # every zone's cell at once (one format)

    def cells(self, figures: Sequence[ZoneFigures]) -> list[str]:
        """One text per zone."""
        if self.values is not None:
            return self.values(figures)
        if self.value is not None:
            return [self.value(f) for f in figures]
        if self.number is None:
            raise ValueError(f"row {self.label!r} has neither a value nor a number")
        numbers = [self.number(f) for f in figures]
        if any(n != n for n in numbers):  # NaN: e.g. the depth of an uploaded zone
            return ["–" if n != n else self.fmt.texts([n])[0] for n in numbers]
        return self.fmt.texts(numbers)

    def difference(self, a: ZoneFigures, b: ZoneFigures) -> str:
        """B − A, signed, in the row's format ('' for a row without a number or a value missing)."""
        if self.number is None:
            return ""
        na, nb = self.number(a), self.number(b)
        return "" if na != na or nb != nb else self.fmt.difference(na, nb)


def _depth(km: Callable[[ZoneFigures], float]) -> Callable[[ZoneFigures], str]:
    return lambda f: "–" if f.custom_zone else f"{km(f):g} km"


def _listed(names: tuple[str, ...], n: int = 4) -> str:
    """'3: Kramatorsk Airport, Kharkiv Airport and 1 more': the count and the first ``n`` names."""
    if not names:
        return "0"
    shown = ", ".join(names[:n]) + (f" and {len(names) - n} more" if len(names) > n else "")
    return f"{len(names)}: {shown}"


def people_range_cells(figures: Sequence[ZoneFigures]) -> list[str]:
    """The zones' range cells in one format: '1.93 – 1.95 million', '410,000 – 430,100', or the one value
    when both ends are written the same ('1.66 million (every estimate)')."""
    ends = [e for f in figures for e in (f.people.low, f.people.high)]
    texts = people_texts(ends)
    cells = []
    for lo, hi in zip(texts[::2], texts[1::2], strict=True):
        if lo == hi:
            cells.append(f"{hi} (every estimate)")
        else:
            cells.append(f"{lo.removesuffix(' million')} – {hi}")
    return cells


# The brief's figures panel.
BRIEF_ROWS = (
    Row("Total width", lambda f: "uploaded" if f.custom_zone else f"{f.width_km:g} km", True),
    Row("Russian forces pull back", _depth(lambda f: f.ru_depth_km)),
    Row("Ukrainian forces pull back", _depth(lambda f: f.ua_depth_km)),
    Row("Zone area", bold=True, number=lambda f: f.area_km2, fmt=KM2_UNIT),
    Row("   occupied side", number=lambda f: f.area_km2_occupied, fmt=KM2_UNIT),
    Row("   Ukrainian-controlled side", number=lambda f: f.area_km2_controlled, fmt=KM2_UNIT),
    Row("People inside (estimate)", bold=True, number=lambda f: f.people.estimate, fmt=PEOPLE),
    Row("   range", values=people_range_cells),
    Row("   occupied side", number=lambda f: f.people.occupied, fmt=PEOPLE),
    Row("   Ukrainian-controlled side", number=lambda f: f.people.ukraine_controlled, fmt=PEOPLE),
    Row("Settlements inside", number=lambda f: f.settlements),
    Row("Nuclear plants inside", lambda f: ", ".join(f.nuclear) or "none", True, number=lambda f: len(f.nuclear)),
    Row("Airports, air bases inside", number=lambda f: len(f.airports)),
    Row("Power plants inside", number=lambda f: len(f.energy)),
)


def _posts(sensor: str) -> Callable[[ZoneFigures], float]:
    """Posts of a sensor preset to watch the whole zone (``monitoring.posts_for_area``)."""
    return lambda f: monitoring.posts_for_area(f.area_km2, monitoring.SENSORS[sensor].range_km)


def _kind_count(kind: str) -> Callable[[ZoneFigures], float]:
    return lambda f: int((f.infrastructure["kind"] == kind).sum())


def _plural(kind: str) -> str:
    label = INFRA_KIND_LABELS.get(kind, kind)
    return label if label.endswith("s") else label + "s"


def _kind_rows() -> tuple[Row, ...]:
    """One count row per kind of listed infrastructure (nuclear plants first), whatever kinds the data holds."""
    kinds = sorted(layers.infrastructure()["kind"].unique(), key=lambda k: (k != NUCLEAR, k))
    return tuple(Row(f"{_plural(k)} inside", number=_kind_count(k)) for k in kinds)


# The Compare page's table (every row with a number gets a B − A figure there).
COMPARE_ROWS = (
    Row("width (km)", number=lambda f: f.width_km, fmt=KM),
    Row("pull-back, occupied side (km)", number=lambda f: f.ru_depth_km, fmt=KM),
    Row("pull-back, Ukrainian side (km)", number=lambda f: f.ua_depth_km, fmt=KM),
    Row("area, occupied side (km²)", number=lambda f: f.area_km2_occupied, fmt=KM2),
    Row("area, Ukrainian side (km²)", number=lambda f: f.area_km2_controlled, fmt=KM2),
    Row("area, total (km²)", number=lambda f: f.area_km2, fmt=KM2),
    Row("people (estimate)", number=lambda f: f.people.estimate, fmt=PEOPLE),
    Row("people (range)", values=people_range_cells),
    Row("settlements inside", number=lambda f: f.settlements),
    *_kind_rows(),
    Row("Zaporizhzhia NPP inside", lambda f: "yes" if "Zaporizhzhia NPP" in f.nuclear else "no"),
    Row("airports and air bases inside", lambda f: _listed(f.airports)),
    Row("power plants inside (thermal, hydro)", lambda f: _listed(f.energy)),
    Row("camera posts to watch the whole zone", number=_posts("camera")),
    Row("radar posts to watch the whole zone", number=_posts("radar_people")),
)
DIFFERENCE_HEADER = "B − A"


def _people_after(key: str, side: str) -> Callable[[ZoneFigures], float]:
    def value(f: ZoneFigures) -> float:
        r = f.reach_of(key)
        return math.nan if r is None else r.after[side].people.estimate

    return value


def reach_rows(weapons: Sequence[reach.Weapon]) -> tuple[Row, ...]:
    """Per weapon class: people still within reach after the pull-back, on each side (Compare, the brief)."""
    sides = (("Russian", "Ukrainian side", "ukraine_controlled"), ("Ukrainian", "occupied side", "occupied"))
    rows = [
        Row(
            f"within {whose} {w.label.lower()} reach ({w.reach_km:g} km), {where}",
            number=_people_after(w.key, side),
            fmt=PEOPLE,
        )
        for w in weapons
        for whose, where, side in sides
    ]
    return tuple(rows)


def table(
    figures: Sequence[ZoneFigures], rows: Sequence[Row], difference: bool = False
) -> list[tuple[str, list[str], bool]]:
    """(label, one value per zone, bold) for each row; with ``difference`` (two zones) a last value B − A."""
    if difference and len(figures) != 2:
        raise ValueError("B − A needs two zones")
    out = []
    for r in rows:
        cells = r.cells(figures)
        if difference:
            cells.append(r.difference(*figures))
        out.append((r.label, cells, r.bold))
    return out


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


def people_sentence_range(estimate: float, low: float, high: float) -> str:
    """The range after an estimate in a sentence, at the estimate's precision: 'range 410,200–430,100',
    or 'every estimate gives this figure' when the ends round to the same value."""
    lo, hi = people_texts([estimate, low, high])[1:]
    if lo == hi:
        return "every estimate gives this figure"
    return f"range {lo.removesuffix(' million')}–{hi}" if hi.endswith(" million") else f"range {lo}–{hi}"


def summary_sentence(f: ZoneFigures, key_towns: pd.DataFrame) -> str:
    """A plain-language line about a zone, generated from its figures; ``key_towns``: the main
    Ukrainian-held towns near the line (``stats.towns_near_line``)."""
    p, towns = f.people, f.towns
    text = (
        f"The {f.label} moves Russian forces {f.ru_depth_km:g} km back and Ukrainian forces {f.ua_depth_km:g} km "
        f"back, over {f.area_km2:,.0f} km² holding about {people_text(p.estimate)} pre-war residents "
        f"({people_sentence_range(p.estimate, p.low, p.high)}) in {len(towns):,} settlements"
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


# ------------------------------------------------------------------------------ history


PARTIAL_JUMP = 0.10  # a first snapshot this much smaller than the next one is taken as partial


def partial_snapshots(hist: pd.DataFrame) -> list[str]:
    """The first snapshots of the history table (date, occupied_km2) that look partial: each more than
    ``PARTIAL_JUMP`` smaller than the snapshot after it (no month of fighting moved the line that far)."""
    out = []
    rows = hist.sort_values("date").reset_index(drop=True)
    for i in range(len(rows) - 1):
        if rows.occupied_km2[i] >= (1 - PARTIAL_JUMP) * rows.occupied_km2[i + 1]:
            break
        out.append(rows.date[i])
    return out


def partial_note(hist: pd.DataFrame) -> str | None:
    """The note on partial first snapshots, or None."""
    dates = partial_snapshots(hist)
    if not dates:
        return None
    rows = hist.set_index("date")
    first, after = dates[-1], hist.sort_values("date").date.iloc[len(dates)]
    a, b = rows.occupied_km2[first], rows.occupied_km2[after]
    return (
        f"The first snapshot{'s' if len(dates) > 1 else ''} ({', '.join(dates)}) look{'' if len(dates) > 1 else 's'} "
        f"partial: {a:,.0f} km² occupied against {b:,.0f} km² on {after}, {1 - a / b:.0%} less, a change no month "
        "of fighting explains. Its figures are not comparable with the months after it; read them with care."
    )


# ------------------------------------------------------------------------------ monitoring


def whole_line_help(range_km: float, offset_km: float) -> str:
    """What 'Posts for the whole line' means, in words."""
    chord = monitoring.line_chord_km(range_km, offset_km)
    if chord <= 0:
        return f"Impossible: posts {offset_km:g} km from the line with a {range_km:g} km range do not reach the line."
    return (
        f"The fewest posts that would watch every kilometre of the line: a post {offset_km:g} km from the line with "
        f"a {range_km:g} km range sees {chord:.1f} km of it, so posts one every {chord:.1f} km along each stretch "
        "of line leave no gap."
    )


def whole_line_sentence(
    posts_full: int | None, posts: int, range_km: float, offset_km: float, spacing_km: float, own: bool
) -> str:
    """The line under Monitoring's figures: the whole-line figure beside the layout shown, in words."""
    layout = f"your {posts:,} post(s)" if own else f"{posts:,} posts, one every {spacing_km:g} km"
    if posts_full is None:
        return f"The map shows {layout}. {whole_line_help(range_km, offset_km)}"
    chord = monitoring.line_chord_km(range_km, offset_km)
    return (
        f"The map shows {layout}. Posts for the whole line ({posts_full:,}) is the fewest that would watch every "
        f"kilometre of the line: each sees {chord:.1f} km of it at this range ({range_km:g} km) and distance from "
        f"the line ({offset_km:g} km)."
    )


# ------------------------------------------------------------------------------ reach


REACH_SIDE_LABELS = {
    "ukraine_controlled": "Ukrainian-controlled side, within reach of Russian positions",
    "occupied": "occupied side, within reach of Ukrainian positions",
}


def _town_rows(towns: pd.DataFrame, n: int) -> list[dict]:
    return [
        {
            "name": r.name,
            "label": r.label,  # as the towns table shows it: "Sumy urban hromada" where that is the figure
            "figure": r.figure,
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
