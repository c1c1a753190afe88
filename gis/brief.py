"""A scenario brief to take away: a two-page PDF and a PNG of the map for slides.

Drawn offline with matplotlib (Agg and PDF backends; figures are made without
pyplot, so nothing global is shared with other threads) and GeoPandas: no
browser, no network. The map is drawn in ``crs.METRIC_CRS``
(metres, scale error under 0.3 % along the front), so its scale bar in km is
true; north is marked by an arrow computed at the map's centre.

One brief shows one zone (a width/split zone, a named proposal, an uploaded
zone) or compares two (``BriefZone`` A and B, both on one map). Page 1: the
map with place names, the headline figures with their ranges; page 2: the
largest towns and the infrastructure inside, the method and the sources.
"""

from __future__ import annotations

import contextlib
import io
import math
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.ft2font import LoadFlags
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Annotation

from gis import GisError, crs, layers, present, reach, stats, zones
from gis.frontline import Front
from gis.population import PopulationIndex
from gis.present import COLORS, PRE_WAR_NOTE, distance_range_text, side_label
from gis.stats import ZoneAnalysis
from gis.zones import Zone

ZONE_COLORS = (present.ZONE_COLORS["A"], present.ZONE_COLORS["B"])  # the brief's first and second zone
AIRPORT_COLOR = "#252525"
PAGE_IN = (11.69, 8.27)  # A4 landscape (inches)
SLIDE_IN = (12.8, 7.2)  # 16:9; at SLIDE_DPI a 1920 x 1080 PNG
SLIDE_DPI = 150
MAIN_CITY_MIN_PEOPLE = 50_000  # labelled cities: oblast centres and towns of 50,000+ (2022)
TOWNS_INSIDE_LABELLED = 16  # the towns with most people inside the zone(s), labelled first
METHOD_TEXT = (
    "The zone is the frontline buffered by each side's pull-back depth in a metric projection centred on the front and "
    "clipped to that side's territory (an uploaded zone is split the same way); areas are measured in an equal-area "
    "projection (EPSG:3035). People are 2022 residents estimated two independent ways (settlement "
    "points, and towns plus "
    "a rural grid per hromada, both scaled to the official 2022 oblast totals): the estimate is their "
    "mean and the range "
    "their minimum and maximum."
)
_RENDER_LOCK = threading.Lock()  # matplotlib's text layout caches are not thread-safe; briefs are rare


@contextlib.contextmanager
def _rendering():
    """One brief at a time, every text drawn as written: with ``text.parse_math`` off, a '$' in a file name
    or label is a dollar sign, not matplotlib mathtext (which fails with ValueError or RecursionError)."""
    with _RENDER_LOCK, matplotlib.rc_context({"text.parse_math": False}):
        yield


@dataclass(frozen=True)
class BriefZone:
    """One zone in a brief: the label readers see, its geometry and its analysis; ``within_reach``: each weapon
    class today and after its pull-back (``reach.weapon_reach``), for the brief's reach table."""

    label: str
    zone: Zone
    analysis: ZoneAnalysis
    within_reach: tuple[reach.WeaponReach, ...] = ()


def proposal_zone(front: Front, key: str, index: PopulationIndex) -> BriefZone:
    """A named proposal (``zones.PROPOSALS`` key) with its analysis (``index``: ``stats.population_index(front)``)."""
    p = zones.get_proposal(key)
    zone = zones.make_zone(front, p.width_km, p.split)
    return BriefZone(p.label, zone, stats.analyse(front, zone, index))


def brief_pdf(front: Front, items: Sequence[BriefZone], title: str | None = None) -> bytes:
    """The brief as PDF bytes (A4 landscape, two pages) for one zone or two (A vs B)."""
    items = _check(items)
    buf = io.BytesIO()
    meta = {"Title": title or _title(items), "Creator": "Frontline Freeze Explorer"}
    with _rendering(), PdfPages(buf, metadata=meta) as pdf:
        pdf.savefig(_page_one(front, items, title))
        pdf.savefig(_page_two(front, items))
    return buf.getvalue()


def map_png(front: Front, items: Sequence[BriefZone], title: str | None = None, dpi: int = SLIDE_DPI) -> bytes:
    """The map alone (title, legend, scale, credit) as a 16:9 PNG for slides; 1920 x 1080 px at 150 dpi."""
    items = _check(items)
    buf = io.BytesIO()
    with _rendering():
        fig = _figure(SLIDE_IN, dpi)
        fig.text(0.012, 0.97, title or _title(items), size=15, weight="bold", va="top")
        top = _wrap(fig, 0.012, 0.925, _subtitle(front, items), 0.97 * SLIDE_IN[0], 10, color="#333333")
        top = _wrap(fig, 0.012, top, headline(front, items), 0.97 * SLIDE_IN[0], 11, weight="bold")
        ax = fig.add_axes((0.008, 0.05, 0.73, top - 0.05))
        fig.legend(
            handles=draw_map(ax, front, items),
            loc="upper left",
            bbox_to_anchor=(0.75, top),
            frameon=False,
            fontsize=10,
            handlelength=1.6,
            labelspacing=0.7,
            borderaxespad=0,
        )
        _wrap(fig, 0.012, 0.04, _credit(front), 0.97 * SLIDE_IN[0], 7.5, color="#555555")
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _check(items: Sequence[BriefZone]) -> list[BriefZone]:
    items = [i if isinstance(i, BriefZone) else BriefZone(*i) for i in items]
    if not 1 <= len(items) <= 2:
        raise GisError("A brief shows one zone or compares two.")
    return items


def _figure(size_in: tuple[float, float], dpi: int = 100) -> Figure:
    """A pyplot-free figure on an Agg canvas (text extents need a renderer)."""
    fig = Figure(figsize=size_in, dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


# ------------------------------------------------------------------------- wording


def _letters(items: list[BriefZone]) -> list[str]:
    return [""] if len(items) == 1 else ["A: ", "B: "]


def _title(items: list[BriefZone]) -> str:
    if len(items) == 1:
        return f"Scenario brief: {items[0].label}"
    return f"Scenario brief: A. {items[0].label} vs B. {items[1].label}"


def _zone_phrase(zone: Zone) -> str:
    """'25 km wide, 50 % on the occupied side (12.5 km + 12.5 km pull-back)' or 'an uploaded zone'."""
    if zone.custom:
        return "drawn by the reader (an uploaded polygon, split by side)"
    return (
        f"{zone.width_km:g} km wide, {zone.split:.0%} on the occupied side "
        f"(pull-back {zone.ru_depth_km:g} km + {zone.ua_depth_km:g} km)"
    )


def _subtitle(front: Front, items: list[BriefZone]) -> str:
    zs = "; ".join(f"{L}{_zone_phrase(i.zone)}" for L, i in zip(_letters(items), items, strict=True))
    line = f"a custom frontline ({front.source})" if front.custom else "the frontline"
    what = "a demilitarised zone" if len(items) == 1 else "two demilitarised zones compared,"
    return f"If the war were frozen along {line} of {front.date}: {what} {zs}."


def _credit(front: Front) -> str:
    """The one-line data credit under a map or page."""
    return (
        f"Frontline of {front.date}: DeepStateMap.live. {layers.ATTRIBUTION}. {present.POPULATION_SOURCES}. "
        f"{_infra_sources()}. Frontline Freeze Explorer."
    )


@lru_cache(maxsize=1)
def _infra_sources() -> str:
    """'Infrastructure: nuclear power plants GeoNuclearData (ODbL); airports and air bases airportsdata …'."""
    infra = layers.infrastructure()
    parts = [
        f"{' and '.join(k + 's' for k in kinds)} {src}"
        for src, kinds in infra.groupby("source")["kind"].unique().items()
    ]
    return "Infrastructure: " + "; ".join(sorted(parts, reverse=True))


def figures_of(front: Front, items: list[BriefZone]) -> list[present.ZoneFigures]:
    return [present.zone_figures(front, i.zone, i.analysis, i.label, i.within_reach) for i in items]


def figure_rows(front: Front, items: list[BriefZone]) -> list[tuple[str, list[str], bool]]:
    """The headline figures (``present.BRIEF_ROWS``): (label, one value per zone and, for two, B − A, bold?)."""
    return present.table(figures_of(front, items), present.BRIEF_ROWS, difference=len(items) == 2)


def headline(front: Front, items: list[BriefZone]) -> str:
    """The headline figures in one line, for the slide map: people (range), area, settlements per zone."""
    parts = []
    for letter, f in zip(_letters(items), figures_of(front, items), strict=True):
        span = present.people_span(f.people.low, f.people.high)
        people = present.people_text(f.people.estimate) + (f" (range {span})" if span else "")
        parts.append(
            f"{letter}{people} people inside (pre-war residents), {present.km2_text(f.area_km2)}, "
            f"{f.settlements:,} settlements"
        )
    return "; ".join(parts) + "."


# ------------------------------------------------------------------------- map layers (cached)


@lru_cache(maxsize=1)
def _basemap() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Oblast polygons and Ukraine's outline (METRIC_CRS, simplified 400 m), oblast names."""
    obl = layers.oblasts()
    geoms = shapely.simplify(stats.oblasts_metric(), 400.0, preserve_topology=True)
    outline = shapely.simplify(np.array([layers.ukraine_metric()], dtype=object), 400.0, preserve_topology=True)
    names = [n.removesuffix(" Oblast") for n in obl["name_en"]]
    return geoms, outline, names


def _occupied(front: Front):
    """The date's occupied territory (METRIC_CRS), simplified 150 m for drawing."""
    return shapely.simplify(front.sides.occupied, 150.0, preserve_topology=True)


@lru_cache(maxsize=1)
def _main_cities() -> pd.DataFrame:
    """Oblast centres and towns of 50,000+: name, population, oblast_centre, x, y (m), largest first."""
    s = layers.settlements()
    s = s[(s.population >= MAIN_CITY_MIN_PEOPLE) | s.oblast_centre.astype(bool)]
    x, y = crs.metric_xy(s.geometry.x.to_numpy(), s.geometry.y.to_numpy())
    out = pd.DataFrame(
        {
            "name": s["name"].to_numpy(),
            "population": s["population"].to_numpy(),
            "oblast_centre": s["oblast_centre"].astype(bool).to_numpy(),
            "x": x,
            "y": y,
        }
    )
    return out.sort_values("population", ascending=False).reset_index(drop=True)


def _extent(front: Front, items: list[BriefZone]) -> tuple[float, float, float, float]:
    """Map bounds (m): the zones (or the line) plus a margin of 6 % (at least 15 km). A zone along the whole
    shipped line is framed with the territory it separates (all of the occupied land, Crimea and Luhansk
    included); an uploaded zone or line is framed on itself."""
    geoms = [g for i in items for g in (i.zone.occupied, i.zone.controlled) if not g.is_empty]
    if geoms and not front.custom and not any(i.zone.custom for i in items):
        geoms.append(front.sides.occupied)
    x0, y0, x1, y1 = shapely.total_bounds(geoms if geoms else [front.frontline])
    pad = max(0.06 * max(x1 - x0, y1 - y0), 15_000.0)
    return x0 - pad, y0 - pad, x1 + pad, y1 + pad


def _fill_box(ax, extent: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """``extent`` (m) widened in x or y to the axes' width/height ratio, so the map fills its box at 1:1."""
    x0, y0, x1, y1 = extent
    pos = ax.get_position()
    ratio = pos.width * ax.figure.get_figwidth() / (pos.height * ax.figure.get_figheight())
    w, h = x1 - x0, y1 - y0
    if w / h < ratio:
        x0, x1 = (x0 + x1) / 2 - h * ratio / 2, (x0 + x1) / 2 + h * ratio / 2
    else:
        y0, y1 = (y0 + y1) / 2 - w / ratio / 2, (y0 + y1) / 2 + w / ratio / 2
    return x0, y0, x1, y1


# ------------------------------------------------------------------------- the map


def draw_map(ax, front: Front, items: Sequence[BriefZone]) -> list:
    """Draw the zone(s) by side, occupied territory, frontline, oblasts, infrastructure and place names
    on a matplotlib axes (METRIC_CRS, m); returns the legend handles."""
    items = _check(items)
    x0, y0, x1, y1 = _fill_box(ax, _extent(front, items))
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xticks=[], yticks=[], xlabel="", ylabel="", facecolor="white")
    ax.set_aspect("equal")  # the limits already match the axes' shape: the map fills it
    obl, outline, _ = _basemap()
    gpd.GeoSeries(outline).plot(ax=ax, color=COLORS["ukraine"], edgecolor="none", zorder=0)
    gpd.GeoSeries([_occupied(front)]).plot(ax=ax, color=COLORS["occupied"], alpha=0.22, edgecolor="none", zorder=1)
    drawn = []
    for k in sorted(range(len(items)), key=lambda k: -items[k].zone.area_km2):  # the larger zone underneath
        for geom, color in zip((items[k].zone.occupied, items[k].zone.controlled), ZONE_COLORS[k], strict=True):
            if not geom.is_empty:
                drawn.append(shapely.simplify(geom, 100.0))
                gpd.GeoSeries([drawn[-1]]).plot(ax=ax, color=color, alpha=0.75, edgecolor="none", zorder=2 + k)
    gpd.GeoSeries(obl).boundary.plot(ax=ax, color=COLORS["oblast"], linewidth=0.45, zorder=5)
    gpd.GeoSeries(outline).boundary.plot(ax=ax, color="#555555", linewidth=0.8, zorder=5)
    gpd.GeoSeries([shapely.simplify(front.frontline, 100.0)]).plot(
        ax=ax, color=COLORS["frontline"], linewidth=1.3, zorder=6
    )
    ax.set(xlabel="", ylabel="")  # GeoPandas may set axis labels
    cands = _candidates(items, (x0, y0, x1, y1))
    corners = _free_corners(ax, cands, shapely.union_all([*drawn, front.frontline]))
    _place_names(ax, cands, [_scale_bar(ax, corners[0]), _north_arrow(ax, corners[1])])
    return _legend_handles(front, items)


def _legend_handles(front: Front, items: list[BriefZone], wrap: int = 34) -> list:
    """Legend entries for the map (labels wrapped to ``wrap`` characters)."""
    line = f"Custom frontline ({front.source})" if front.custom else f"Frontline, {front.date}"
    h = [
        Line2D([], [], color=COLORS["frontline"], lw=1.6, label=textwrap.fill(line, wrap)),
        Patch(facecolor=COLORS["occupied"], alpha=0.3, label="Occupied territory (DeepStateMap)"),
    ]
    for k, (letter, item) in enumerate(zip(_letters(items), items, strict=True)):
        name = f"{letter}{item.label}" if letter else "Zone"
        for side, color, geom in zip(
            zones.SIDES, ZONE_COLORS[k], (item.zone.occupied, item.zone.controlled), strict=True
        ):
            if not geom.is_empty:
                h.append(
                    Patch(facecolor=color, alpha=0.75, label=textwrap.fill(f"{name}, {side_label(side)} side", wrap))
                )
    h += [
        Line2D([], [], color=COLORS["oblast"], lw=0.8, label="Oblast boundary"),
        Line2D([], [], ls="", marker="o", ms=6, mfc="white", mec="#222222", label="City or town (size: people, 2022)"),
        Line2D([], [], ls="", marker="o", ms=8, mfc=COLORS["npp"], mec="black", label="Nuclear power plant"),
        Line2D(
            [], [], ls="", marker="s", ms=6, mfc=COLORS["energy"], mec="black", label="Thermal or hydro plant inside"
        ),
        Line2D(
            [], [], ls="", marker="^", ms=7, mfc=AIRPORT_COLOR, mec="white", label="Airport or air base inside a zone"
        ),
    ]
    return h


_CORNERS = {"lower left": (0, 0), "lower right": (1, 0), "upper left": (0, 1), "upper right": (1, 1)}


def _free_corners(ax, cands: list[_Label], busy) -> list[str]:
    """The map's corners, emptiest first: fewest places, then least zone or frontline (``busy``, m)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    w, h = 0.3 * (x1 - x0), 0.16 * (y1 - y0)
    score = {}
    for name, (i, j) in _CORNERS.items():
        bx, by = x0 + i * (x1 - x0 - w), y0 + j * (y1 - y0 - h)
        places = sum(bx <= c.x <= bx + w and by <= c.y <= by + h for c in cands if c.marker)
        score[name] = places + 5 * shapely.intersects(busy, shapely.box(bx, by, bx + w, by + h))
    return sorted(score, key=lambda k: (score[k], k != "lower left"))


def _nice_km(target_km: float) -> float:
    """The largest of 1-2-2.5-5 x 10^n km not above ``target_km``."""
    steps = [m * 10**e for e in range(0, 4) for m in (1, 2, 2.5, 5)]
    return max([s for s in steps if s <= target_km] or [1])


def _corner_xy(ax, corner: str, w: float, h: float) -> tuple[float, float]:
    """Lower-left (m) of a ``w`` x ``h`` (m) box in ``corner``, 4 % in from the edges."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    i, j = _CORNERS[corner]
    mx, my = 0.04 * (x1 - x0), 0.04 * (y1 - y0)
    return (x0 + mx if i == 0 else x1 - mx - w), (y0 + my if j == 0 else y1 - my - h)


def _scale_bar(ax, corner: str) -> np.ndarray:
    """A two-segment scale bar in km (true: METRIC_CRS scale error < 0.3 %); returns its display bbox."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    km = _nice_km((x1 - x0) / 1000 / 5)
    h = 0.009 * (y1 - y0)
    bx, by = _corner_xy(ax, corner, km * 1000, 3.5 * h)
    arts = [
        ax.add_patch(Rectangle((bx + i * km * 500, by), km * 500, h, facecolor=c, edgecolor="black", lw=0.6, zorder=20))
        for i, c in enumerate(("black", "white"))
    ]
    for v, x in ((0, bx), (km / 2, bx + km * 500), (km, bx + km * 1000)):
        arts.append(
            ax.text(x, by + 1.6 * h, f"{v:g} km" if v == km else f"{v:g}", ha="center", va="bottom", size=7, zorder=20)
        )
        _halo(ax, arts[-1])
    return _union_bbox(ax, arts)


def _halo(ax, text) -> None:
    """A white outline under ``text`` (a copy drawn with a stroke), so it reads on any fill.

    A path effect on the text itself would turn it into outlines in the PDF, out of its text layer."""
    copy = ax.annotate(
        text.get_text(),
        text.xy if isinstance(text, Annotation) else text.get_position(),
        xytext=getattr(text, "xyann", None),
        textcoords=getattr(text, "anncoords", None),
        ha=text.get_ha(),
        va=text.get_va(),
        fontproperties=text.get_fontproperties(),
        color="white",
        zorder=text.get_zorder() - 0.5,
        annotation_clip=False,
        gid="halo",
        path_effects=[patheffects.Stroke(linewidth=2.4, foreground="white")],
    )
    copy.set_in_layout(False)


def _north_arrow(ax, corner: str) -> np.ndarray:
    """An arrow to true north (METRIC_CRS grid north differs by up to ~3° here); returns its display bbox."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    lon, lat = crs.to_wgs84(shapely.Point(cx, cy)).coords[0]
    north = crs.to_metric(shapely.Point(lon, lat + 0.2))
    angle = math.atan2(north.x - cx, north.y - cy)
    size = 0.09 * (y1 - y0)
    bx, by = _corner_xy(ax, corner, 0.02 * (x1 - x0), size)
    L = 0.65 * size
    tip = (bx + L * math.sin(angle), by + L * math.cos(angle))
    arrow = ax.annotate(
        "",
        xy=tip,
        xytext=(bx, by),
        zorder=20,
        arrowprops=dict(arrowstyle="-|>,head_width=0.35,head_length=0.7", color="black", lw=1.4),
    )
    label = ax.text(
        tip[0], tip[1] + 0.012 * (y1 - y0), "N", ha="center", va="bottom", size=10, weight="bold", zorder=20
    )
    return _union_bbox(ax, [arrow, label])


def _union_bbox(ax, artists) -> np.ndarray:
    r = ax.figure.canvas.get_renderer()
    boxes = np.array([a.get_window_extent(r).extents for a in artists])
    return np.array([boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()])


# ------------------------------------------------------------------------- place names


@dataclass
class _Label:
    """A place to mark and maybe label: metric x, y (m), marker (None: a name only) and text style."""

    x: float
    y: float
    text: str
    marker: str | None = "o"
    ms: float = 4.0
    mfc: str = "white"
    mec: str = "#222222"
    size: float = 7.5
    weight: str = "normal"
    color: str = "#111111"
    style: str = "normal"


PLANT_TOWN_KM = 8.0  # a town this close to a plant shares its label ('Zaporizhzhia NPP, Enerhodar')
NEAR_ZONE_KM = 40.0  # cities of 50,000+ that are not oblast centres are labelled only this close to a zone


def _candidates(items: list[BriefZone], view: tuple[float, float, float, float]) -> list[_Label]:
    """What to mark and label, in priority order: what is inside the zone(s) (the plants and airports, then
    the towns with most people inside), the oblast centres and cities of 250,000+ in view, the other cities
    of 50,000+ near a zone, oblast names."""
    x0, y0, x1, y1 = view
    cities = _main_cities()
    cities = cities[(cities.x >= x0) & (cities.x <= x1) & (cities.y >= y0) & (cities.y <= y1)]
    towns = pd.concat([i.analysis.towns for i in items]).sort_values("people_inside", ascending=False)
    towns = towns.drop_duplicates("name").head(TOWNS_INSIDE_LABELLED)
    tx, ty = crs.metric_xy(towns["lon"].to_numpy(), towns["lat"].to_numpy())
    inside = [_city_label(x, y, n, p) for n, p, x, y in zip(towns["name"], towns["population"], tx, ty, strict=True)]
    infra = pd.concat([i.analysis.infrastructure for i in items]).drop_duplicates("name")
    ix, iy = crs.metric_xy(infra["lon"].to_numpy(), infra["lat"].to_numpy())
    plants, airports = [], []
    for r, x, y in zip(infra.itertuples(), ix, iy, strict=True):
        if r.kind == present.NUCLEAR:
            # a town inside the zone under the plant's marker (Enerhodar) is named with the plant
            beside = [k for k, t in enumerate(inside) if math.hypot(t.x - x, t.y - y) < PLANT_TOWN_KM * 1000]
            name = ", ".join([r.name, *(inside[k].text for k in beside)])
            inside = [t for k, t in enumerate(inside) if k not in beside]
            plants.append(_Label(x, y, name, "o", 8, COLORS["npp"], "black", 7.5, "bold", COLORS["npp"]))
        elif r.kind in layers.ENERGY_KINDS:
            plants.append(_Label(x, y, r.name, "s", 6, COLORS["energy"], "black", 6.8, "bold", COLORS["energy"]))
        else:
            airports.append(_Label(x, y, r.name, "^", 6.5, AIRPORT_COLOR, "white", 6.8, "normal", "#222222", "italic"))
    cities = cities[~cities.name.isin(towns.name)]
    zone_area = shapely.union_all([g for i in items for g in (i.zone.occupied, i.zone.controlled) if not g.is_empty])
    near = shapely.dwithin(shapely.points(cities.x, cities.y), zone_area, NEAR_ZONE_KM * 1000.0)
    major = (cities.population >= 250_000).to_numpy() | cities.oblast_centre.to_numpy()
    big = [_city_label(r.x, r.y, r.name, r.population, r.oblast_centre) for r in cities[major].itertuples()]
    other = [_city_label(r.x, r.y, r.name, r.population) for r in cities[~major & near].itertuples()]
    return plants + airports + inside + big + other + _oblast_names(view)


def _city_label(x: float, y: float, name: str, population: float, oblast_centre: bool = False) -> _Label:
    """A town's marker (area grows with its people) and name (bold for 250,000+ and oblast centres)."""
    people = population if population == population else 0.0
    ms = 3.0 + 1.4 * math.log2(max(people, 25_000) / 25_000) ** 0.9
    major = people >= 250_000 or oblast_centre
    return _Label(
        x,
        y,
        name,
        ms=ms,
        weight="bold" if major else "normal",
        size=9.0 if people >= 400_000 else 8.0 if major else 7.2,
    )


def _oblast_names(view: tuple[float, float, float, float]) -> list[_Label]:
    """Oblast names (grey italic, no marker) at a point inside each oblast's visible part, largest part first."""
    geoms, _, names = _basemap()
    visible = shapely.clip_by_rect(geoms, *view)
    areas = shapely.area(visible)
    pts = shapely.point_on_surface(visible)
    keep = [i for i in np.argsort(-areas) if areas[i] > 0.02 * (view[2] - view[0]) * (view[3] - view[1])]
    return [_Label(pts[i].x, pts[i].y, names[i].upper(), None, size=6.5, color="#8a8a8a", style="italic") for i in keep]


# Label positions around a marker: (dx, dy) in units of the marker radius, alignment.
_SLOTS = [
    (1, 0, "left", "center"),
    (-1, 0, "right", "center"),
    (0, 1, "center", "bottom"),
    (0, -1, "center", "top"),
    (0.8, 0.8, "left", "bottom"),
    (0.8, -0.8, "left", "top"),
    (-0.8, 0.8, "right", "bottom"),
    (-0.8, -0.8, "right", "top"),
]
_CENTRED = [(0, 0, "center", "center"), (0, 2.5, "center", "center"), (0, -2.5, "center", "center")]


def _place_names(ax, cands: list[_Label], obstacles: list[np.ndarray]) -> None:
    """Mark every candidate and label it where the label overlaps no earlier label, no marker ranked up to its
    own and no map furniture (``obstacles``, display bboxes), trying positions around the marker (greedy, in
    priority order: a name that matters more may cover a lesser place's dot); a label that fits nowhere is
    left out, its marker stays."""
    if not cands:
        return
    r = ax.figure.canvas.get_renderer()
    markers = []
    px = ax.transData.transform(np.array([[c.x, c.y] for c in cands]))
    for c, (x, y) in zip(cands, px, strict=True):
        if c.marker:
            ax.plot(
                c.x,
                c.y,
                ls="",
                marker=c.marker,
                ms=c.ms,
                mfc=c.mfc,
                mec=c.mec,
                mew=0.8,
                zorder=10 if c.marker == "o" else 11,
            )
            half = c.ms / 2 * ax.figure.dpi / 72
            markers.append(np.array([x - half, y - half, x + half, y + half]))
        else:
            markers.append(np.array([np.nan] * 4))  # no marker: never an obstacle
    markers = np.array(markers)
    placed = np.array(list(obstacles)).reshape(-1, 4)
    frame = ax.get_window_extent(r).extents + np.array([2, 2, -2, -2])
    for k, c in enumerate(cands):  # a name keeps off the labels placed and the markers ranked up to its own
        blocked = np.vstack([placed, markers[: k + 1]])
        gap = c.ms / 2 + 1.5 if c.marker else c.size / 2  # points
        for dx, dy, ha, va in _SLOTS if c.marker else _CENTRED:
            t = ax.annotate(
                c.text,
                (c.x, c.y),
                xytext=(dx * gap, dy * gap),
                textcoords="offset points",
                ha=ha,
                va=va,
                size=c.size,
                weight=c.weight,
                color=c.color,
                style=c.style,
                zorder=15 if c.marker else 9,
                annotation_clip=False,
            )
            b = t.get_window_extent(r).extents + np.array([-1, -1, 1, 1])
            if _fits(b, frame, blocked):
                placed = np.vstack([placed, b])
                if c.marker:
                    _halo(ax, t)
                break
            t.remove()


def _fits(b: np.ndarray, frame: np.ndarray, placed: np.ndarray) -> bool:
    """True if bbox ``b`` (x0, y0, x1, y1 px) lies inside ``frame`` and overlaps no bbox in ``placed``
    (the candidate's own marker included: no slot reaches it)."""
    if b[0] < frame[0] or b[1] < frame[1] or b[2] > frame[2] or b[3] > frame[3]:
        return False
    overlap = (b[0] < placed[:, 2]) & (b[2] > placed[:, 0]) & (b[1] < placed[:, 3]) & (b[3] > placed[:, 1])
    return not overlap.any()


# ------------------------------------------------------------------------- pages


@lru_cache(maxsize=4096)  # characters x weights x styles met in labels; bounded as every cache
def _advance_pt(ch: str, weight: str, style: str) -> float:
    """Advance width of one character at a size of 1 pt (DejaVu Sans, matplotlib's default font, unhinted)."""
    font = get_font(findfont(FontProperties(family="DejaVu Sans", weight=weight, style=style)))
    font.set_size(100, 72)
    return font.load_char(ord(ch), flags=LoadFlags.NO_HINTING).linearHoriAdvance / 65536 / 100


def _text_width_pt(s: str, size: float, weight: str = "normal", style: str = "normal") -> float:
    """Width of ``s`` in points: the sum of its characters' advances (within ~1 % of the drawn width,
    and thousands of times faster to measure than drawing it)."""
    return size * sum(_advance_pt(c, weight, style) for c in s)


MIN_CELL_SHRINK = 0.7  # a table cell's text may shrink to 70 % of the table's size before anything is cut


def _fit(s: str, width_pt: float, size: float, weight: str = "normal") -> tuple[str, float]:
    """(text, font size) for ``s`` in ``width_pt``: the size shrinks (to ``MIN_CELL_SHRINK`` of it) until it fits;
    a figure is never cut (it shrinks further), a name is cut with an ellipsis only if it still does not fit."""
    s = str(s)
    width = _text_width_pt(s, size, weight)
    if width <= width_pt:
        return s, size
    if any(c.isdigit() for c in s):  # a figure: always whole
        return s, size * width_pt / width
    smaller = max(size * MIN_CELL_SHRINK, size * width_pt / width)
    if _text_width_pt(s, smaller, weight) <= width_pt:
        return s, smaller
    while len(s) > 1 and _text_width_pt(s + "…", smaller, weight) > width_pt:
        s = s[:-1]
    return s.rstrip() + "…", smaller


def column_widths_in(
    cells: Sequence[Sequence[str]], total_in: float, size: float, pad_in: float = 0.14, weight: str = "bold"
) -> list[float]:
    """Column widths (in) for a table of ``cells`` (rows of strings) in ``total_in``: each value column as wide as
    its widest cell (plus ``pad_in``), the first (labels) gets the rest."""
    n = len(cells[0])
    labels = max(_text_width_pt(r[0], size, weight) for r in cells) / 72 + 0.05
    values = [max(_text_width_pt(r[j], size, weight) for r in cells) / 72 + pad_in for j in range(1, n)]
    if labels + sum(values) > total_in:  # the widest values shrink a little (``_fit``), the labels keep their size
        values = [v * (total_in - labels) / sum(values) for v in values]
    return [total_in - sum(values), *values]


def wrap_lines(text: str, width_pt: float, size: float, weight: str = "normal", style: str = "normal") -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width_pt`` (measured, not counted)."""
    lines: list[str] = []
    for word in text.split():
        if lines and _text_width_pt(f"{lines[-1]} {word}", size, weight, style) <= width_pt:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def _wrap(fig: Figure, x: float, y: float, text: str, width_in: float, size: float, gap: float = 0.012, **kw) -> float:
    """Draw ``text`` wrapped to ``width_in`` with its top at figure (x, y); returns the y below it."""
    lines = wrap_lines(text, width_in * 72, size, kw.get("weight", "normal"), kw.get("style", "normal"))
    fig.text(x, y, "\n".join(lines), size=size, va="top", linespacing=1.35, **kw)
    return y - len(lines) * size * 1.35 / 72 / fig.get_figheight() - gap


def _table(
    fig: Figure,
    x: float,
    y: float,
    header: list[str] | None,
    rows: list[list[str]],
    widths_in: list[float],
    align: list[str],
    size: float = 7.5,
    bold_rows: Sequence[bool] = (),
) -> float:
    """A plain table with its top at figure (x, y): an optional header and rule, each cell fitted to its
    column; returns the y below it. A right-aligned cell keeps 0.12 in from the next column."""
    fw, step = fig.get_figwidth(), size * 1.55 / 72 / fig.get_figheight()
    lefts = np.concatenate([[0], np.cumsum(widths_in)[:-1]])
    last = len(widths_in) - 1
    pads = [0.0 if i == last or a == "left" else 0.12 for i, a in enumerate(align)]

    def row(cells: list[str], weight: str, color: str) -> None:
        for cell, left, w, a, pad in zip(cells, lefts, widths_in, align, pads, strict=True):
            cx = x + (left + (w - pad if a == "right" else 0)) / fw
            text, cell_size = _fit(cell, (w - pad - 0.05) * 72, size, weight)
            fig.text(
                cx,
                y,
                text,
                size=cell_size,
                weight=weight,
                ha=a,
                va="top",
                color=color,
            )

    if header:
        row(header, "normal", "#555555")
        y -= step
        fig.add_artist(Line2D([x, x + sum(widths_in) / fw], [y + 0.2 * step] * 2, color="#888888", lw=0.6))
    for i, cells in enumerate(rows):
        row(cells, "bold" if i < len(bold_rows) and bold_rows[i] else "normal", "#111111")
        y -= step
    return y - 0.01


def _page_one(front: Front, items: list[BriefZone], title: str | None) -> Figure:
    """The map with place names and the headline figures."""
    fig = _figure(PAGE_IN)
    fig.text(0.03, 0.967, title or _title(items), size=15, weight="bold", va="top")
    _wrap(fig, 0.03, 0.93, _subtitle(front, items), 0.94 * PAGE_IN[0], 9, color="#333333")
    map_w = 0.58 if len(items) == 1 else 0.5
    ax = fig.add_axes((0.03, 0.08, map_w, 0.8))
    draw_map(ax, front, items)  # its legend handles are made again below, wrapped for the side panel
    x = 0.03 + map_w + 0.025
    panel_in = (0.975 - x) * PAGE_IN[0]
    y = 0.88
    fig.text(
        x, y, "The zone in figures" if len(items) == 1 else "The zones in figures", size=11, weight="bold", va="top"
    )
    rows = figure_rows(front, items)
    cells = [[r[0], *r[1]] for r in rows]
    header = None if len(items) == 1 else ["", "A", "B", present.DIFFERENCE_HEADER]
    y = _table(
        fig,
        x,
        y - 0.035,
        header,
        cells,
        column_widths_in(cells + ([header] if header else []), panel_in, 8),
        ["left"] + ["right"] * (len(cells[0]) - 1),
        size=8,
        bold_rows=[r[2] for r in rows],
    )
    y = _wrap(
        fig,
        x,
        y,
        f"People: {PRE_WAR_NOTE}; the range spans the real alternatives of where people are placed and where "
        "the line runs (Data & method page).",
        panel_in,
        7.5,
        style="italic",
        color="#333333",
    )
    facts = f"Frontline length on {front.date}: {crs.length_km(front.frontline):,.0f} km."
    if not front.custom:
        occ = stats.occupied_summary(front)
        facts += f" Occupied: {occ['occupied_km2']:,.0f} km² ({occ['occupied_pct']:.1f} % of Ukraine)."
    y = _wrap(fig, x, y, facts, panel_in, 7.5, color="#333333")
    fig.legend(
        handles=_legend_handles(front, items, wrap=52),
        loc="upper left",
        bbox_to_anchor=(x - 0.004, y - 0.005),
        frameon=False,
        fontsize=7.5,
        handlelength=1.5,
        labelspacing=0.45,
        borderaxespad=0,
        borderpad=0,
    )
    _footer(fig, front, 1)
    return fig


def _footer(fig: Figure, front: Front, page: int) -> None:
    _wrap(fig, 0.03, 0.045, _credit(front), 0.85 * PAGE_IN[0], 6.3, color="#555555")
    fig.text(0.975, 0.045, f"page {page} of 2", size=6.3, color="#555555", ha="right", va="top")


TOWN_COLS = (
    ["settlement", "oblast", "people (2022)", "% inside", "people inside", "side", "km from line"],
    [1.3, 1.05, 0.95, 0.7, 0.95, 1.2, 0.8],
    ["left", "left", "right", "right", "right", "left", "left"],
)
# 7 pt: plant names with their town ("Zaporizhzhia TPP (Enerhodar)") fit whole in the right-hand panel
INFRA_COLS = (["name", "kind", "side", "km"], [1.58, 0.77, 1.1, 0.27], ["left", "left", "left", "right"])
INFRA_SIZE = 7.0
MAX_INFRA_ROWS = 12


def town_rows(towns: pd.DataFrame, n: int) -> list[list[str]]:
    """The ``n`` towns with most people inside, as table cells."""
    obl = layers.oblasts().set_index("iso")["name_en"].str.removesuffix(" Oblast")
    top = towns.sort_values("people_inside", ascending=False).head(n)
    return [
        [
            r.place + (" *" if r.figure == "urban hromada" else ""),  # the full label would not fit the column
            obl.get(r.iso, ""),
            "–" if r.population != r.population else f"{r.population:,.0f}",
            f"{r.share_inside:.0%}",
            f"{r.people_inside:,.0f}",
            side_label(r.side),
            distance_range_text(r.km_min, r.km_max),
        ]
        for r in top.itertuples()
    ]


def infra_rows(infra: pd.DataFrame, n: int = MAX_INFRA_ROWS) -> list[list[str]]:
    """Infrastructure inside a zone as table cells (plants first, then by distance to the line, km)."""
    return [
        [r.name, present.INFRA_KIND_LABELS.get(r.kind, r.kind), side_label(r.side), f"{r.km_to_line:g}"]
        for r in infra.head(n).itertuples()
    ]


def _page_two(front: Front, items: list[BriefZone]) -> Figure:
    """The towns and infrastructure inside, the method and the sources."""
    fig = _figure(PAGE_IN)
    title = "Towns and infrastructure inside the zone" + ("s" if len(items) > 1 else "")
    fig.text(0.03, 0.967, title, size=14, weight="bold", va="top")
    intro = (
        f"Frontline of {front.date}. People: {PRE_WAR_NOTE}. Towns with most people inside first; "
        "'% inside' is the share of the town's extent (and people) inside the zone; km from line: its nearest and "
        "farthest part. * people (2022): the urban hromada's total (the town and the settlements it governs), where "
        "no source gives the town's own figure."
    )
    _wrap(fig, 0.03, 0.93, intro, 0.94 * PAGE_IN[0], 8, color="#333333")
    _towns_panel(fig, items)
    x = 0.655
    panel_in = (0.975 - x) * PAGE_IN[0]
    y = _infrastructure_panel(fig, items, x, panel_in)
    _method_and_sources(fig, front, items, x, y, panel_in)
    _footer(fig, front, 2)
    return fig


def _towns_panel(fig: Figure, items: list[BriefZone]) -> None:
    """Page two's left column: the towns with most people inside each zone, then what the zones buy."""
    with_reach = any(i.within_reach for i in items)
    n_towns = (22 if with_reach else 30) if len(items) == 1 else (10 if with_reach else 15)
    y = 0.87
    for letter, item in zip(_letters(items), items, strict=True):
        towns = item.analysis.towns
        more = f", the {n_towns} with most people inside" if len(towns) > n_towns else ""
        heading = f"{letter}{item.label}: {len(towns):,} settlements inside{more}"
        y = _wrap(fig, 0.03, y, heading, 6.9, 9.5, weight="bold")
        rows = town_rows(towns, n_towns) or [["none"] + [""] * 6]
        y = _table(fig, 0.03, y + 0.004, TOWN_COLS[0], rows, TOWN_COLS[1], TOWN_COLS[2]) - 0.015
    if with_reach:
        _reach_panel(fig, items, y)


def _hundreds(people: float) -> str:
    """One format for a column of people that spans 10^4 to 10^7: to the nearest hundred."""
    return f"{round(people, -2):,.0f}"


def reach_rows(items: list[BriefZone]) -> tuple[list[str], list[list[str]]]:
    """The reach table: per weapon class, people still within reach after each zone's pull-back on each side
    (the first zone's 'today' beside, as it does not depend on the zone)."""
    if len(items) == 1:
        header = ["weapon class (reach)", "UA side today", "after", "occupied today", "after"]
    else:
        header = ["weapon class (reach)", "UA today", "A after", "B after", "occ. today", "A after", "B after"]
    rows = []
    for k, first in enumerate(items[0].within_reach):
        row = [f"{first.weapon.label} ({first.weapon.reach_km:g} km)"]
        for side in ("ukraine_controlled", "occupied"):
            row.append(_hundreds(first.today[side].people.estimate))
            row += [_hundreds(i.within_reach[k].after[side].people.estimate) for i in items]
        rows.append(row)
    return header, rows


def _reach_panel(fig: Figure, items: list[BriefZone], y: float) -> None:
    """What the zone buys: people (pre-war 2022) still within reach of the other side's weapons after the
    pull-back, by class (Russian reach on the Ukrainian-controlled side, Ukrainian on the occupied side)."""
    title = "What the zone buys: people still within reach of the other side's weapons (reach: order of magnitude)"
    y = _wrap(fig, 0.03, y, title, 6.9, 9.5, weight="bold")
    header, rows = reach_rows(items)
    n_values = len(header) - 1
    value_in = 1.1 if len(items) == 1 else 0.72
    widths = [6.75 - value_in * n_values] + [value_in] * n_values
    y = _table(fig, 0.03, y + 0.004, header, rows, widths, ["left"] + ["right"] * n_values)
    sides = (
        "UA side: the Ukrainian-controlled side within reach of Russian positions; occupied: the occupied side "
        "within reach of Ukrainian positions. "
    )
    _wrap(fig, 0.03, y, sides + reach.DISTANCE_NOTE, 6.9, 6.3, color="#555555")


def _infrastructure_panel(fig: Figure, items: list[BriefZone], x: float, panel_in: float) -> float:
    """Page two's right column, top: the infrastructure inside each zone; returns the y below it."""
    y = 0.87
    for letter, item in zip(_letters(items), items, strict=True):
        infra = item.analysis.infrastructure
        y = _wrap(fig, x, y, f"{letter}Infrastructure inside: {len(infra)}", panel_in, 9.5, weight="bold")
        if len(infra):
            y = _table(fig, x, y + 0.004, INFRA_COLS[0], infra_rows(infra), INFRA_COLS[1], INFRA_COLS[2], INFRA_SIZE)
            if len(infra) > MAX_INFRA_ROWS:
                y = _wrap(fig, x, y, f"And {len(infra) - MAX_INFRA_ROWS} more.", panel_in, 7.5)
        else:
            y = _wrap(fig, x, y, "No listed nuclear, thermal or hydro plant, airport or air base.", panel_in, 7.5)
        y -= 0.008
    note = "km: distance from the line. Listed: nuclear, thermal and hydro power plants, airports and air bases."
    return _wrap(fig, x, y, note, panel_in, 7, color="#555555") - 0.01


def _method_and_sources(fig: Figure, front: Front, items: list[BriefZone], x: float, y: float, panel_in: float) -> None:
    """Page two's right column, below the infrastructure: the method, the presets shown, the sources."""
    y = _wrap(fig, x, y, "Method", panel_in, 9.5, weight="bold")
    y = _wrap(fig, x, y, METHOD_TEXT, panel_in, 7.5)
    presets = [p for p in zones.PROPOSALS.values() if p.label in {i.label for i in items}]
    if presets:
        text = " ".join(f"{p.label}: {p.source}" for p in presets)
        y = _wrap(fig, x, y, f"{text} {zones.MODELLED_NOTE}", panel_in, 7.5, color="#333333")
    y = _wrap(fig, x, y, "Sources", panel_in, 9.5, weight="bold")
    sources = (
        f"Frontline and occupied territory: DeepStateMap.live, snapshot of {front.date}. "
        f"{layers.ATTRIBUTION}. {present.POPULATION_SOURCES_LONG} {_infra_sources()}."
    )
    _wrap(fig, x, y, sources, panel_in, 7.5)
