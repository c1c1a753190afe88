"""The cached calls into ``gis``: the one layer where the app's computations are kept, each bounded.

``gis`` keeps only the shipped files it reads (and what derives from them alone); everything that depends
on a date, a zone or a setting is a pure function there and is cached here once, with ``max_entries``.
Per-date results are keyed by the date *and* its snapshot's version (``layers.snapshot_version``), so a
replaced user snapshot is never served stale. A slider move then computes only what the new width changed.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd
import pyarrow as pa
import streamlit as st

from gis import layers, maps, monitoring, present, reach, stats, zones
from gis.frontline import Front
from gis.population import PopulationIndex
from ui import charts, mapview, tables

# Dates kept per process: a date's Front and population index hold ~30 MB; readers mostly open the latest.
DATES_KEPT = 4
ZONES_KEPT = 256  # (date, width, split) zones, analyses, coverages
LAYERS_KEPT = 128  # rendered browser layers (~250 KB each at most)

T = TypeVar("T")
VERSION_TTL_S = 2.0  # a snapshot's version is looked up again after this long (a rerun asks ~20 times)
_versions: dict[str, tuple[float, str]] = {}  # date -> (when looked up, version); one entry per date


def snapshot_version(date: str) -> str:
    """``layers.snapshot_version``, looked up once per VERSION_TTL_S: a replaced snapshot is seen within 2 s."""
    now = time.monotonic()
    seen = _versions.get(date)
    if seen is None or now - seen[0] > VERSION_TTL_S:
        if len(_versions) > 512:  # bounded, whatever dates are asked for
            _versions.clear()
        seen = _versions[date] = (now, layers.snapshot_version(date))
    return seen[1]


def per_snapshot(max_entries: int, spinner: str | bool = False) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Cache ``fn(date, *args)`` in ``st.cache_resource`` per (date, snapshot version, *args), at most
    ``max_entries`` results."""

    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        def compute(date: str, version: str, *args, **kwargs):
            return fn(date, *args, **kwargs)

        # Streamlit names a cache by its function's module, qualified name and source: one name per function
        compute.__qualname__ = compute.__name__ = f"{fn.__qualname__}_by_version"
        cached = st.cache_resource(show_spinner=spinner, max_entries=max_entries)(compute)

        @functools.wraps(fn)
        def call(date: str, *args, **kwargs) -> T:
            return cached(date, snapshot_version(date), *args, **kwargs)

        return call

    return decorate


@per_snapshot(DATES_KEPT, spinner="Loading the frontline…")
def get_front(date: str) -> Front:
    """The date's Front (sides and line)."""
    return layers.front(date)


@per_snapshot(DATES_KEPT, spinner="Preparing population lookups…")
def get_population_index(date: str) -> PopulationIndex:
    """The date's population precompute (each unit's side and distance to the line)."""
    return stats.population_index(get_front(date))


@per_snapshot(ZONES_KEPT)
def get_zone(date: str, width_km: float, split: float) -> zones.Zone:
    """The zone of ``width_km`` (km) with ``split`` of it on the occupied side."""
    return zones.make_zone(get_front(date), width_km, split)


@per_snapshot(ZONES_KEPT)
def get_analysis(date: str, width_km: float, split: float) -> stats.ZoneAnalysis:
    """People, towns and infrastructure of a width/split zone."""
    return stats.analyse(get_front(date), get_zone(date, width_km, split), get_population_index(date))


def get_figures(
    date: str, width_km: float, split: float, label: str, within_reach: tuple[reach.WeaponReach, ...] = ()
) -> present.ZoneFigures:
    """The zone's headline figures (``present.zone_figures``: cheap once the analysis is kept); ``within_reach``:
    each weapon class's reach (``ui.cached_reach.get_reach``), if wanted."""
    zone, analysis = get_zone(date, width_km, split), get_analysis(date, width_km, split)
    return present.zone_figures(get_front(date), zone, analysis, label, within_reach)


@per_snapshot(32)
def get_watched(date: str, plan: monitoring.PostPlan) -> monitoring.Watched:
    """What a post plan watches along the date's line, whatever the zone's width."""
    return monitoring.plan_watched(get_front(date), plan)


@per_snapshot(ZONES_KEPT)
def get_coverage(date: str, width_km: float, split: float, plan: monitoring.PostPlan) -> monitoring.Coverage:
    """Coverage of a width/split zone and of the line by a post plan."""
    zone = get_zone(date, width_km, split)
    return monitoring.plan_coverage(get_front(date), zone, plan, get_watched(date, plan))


@per_snapshot(LAYERS_KEPT)
def coverage_map_layer(date: str, width_km: float, split: float, plan: monitoring.PostPlan) -> mapview.MapLayer:
    """``get_coverage`` (same arguments) as a browser layer."""
    return mapview.render_layer(maps.coverage_layer(get_coverage(date, width_km, split, plan)))


@per_snapshot(LAYERS_KEPT)
def zone_map_layer(
    date: str, width_km: float, split: float, label: str, with_towns: bool = True, colors: tuple[str, str] | None = None
) -> mapview.MapLayer:
    """A standard zone (and the settlements inside) as a browser layer."""
    towns = get_analysis(date, width_km, split).towns if with_towns else None
    fg = maps.zone_layer(get_zone(date, width_km, split), towns, label, colors or present.ZONE_COLORS["A"])
    return mapview.render_layer(fg)


@per_snapshot(32)
def base_map_for(
    date: str, legend: tuple | None = None, fill_height: bool = False, view_key: str | None = None
) -> mapview.RenderedMap:
    """The base map of a date (with a page's legend), built and rendered for the browser once."""
    base = maps.base_map(
        get_front(date), legend=list(legend) if legend else None, fill_height=fill_height, view_key=view_key
    )
    return mapview.render_base(base)


@per_snapshot(64)
def population_chart(date: str, split: float) -> dict:
    """People vs width as a Vega-Lite spec (``charts.population_chart``), once per date and split."""
    return charts.population_chart(get_population_index(date).curve(split))


@per_snapshot(ZONES_KEPT)
def towns_table(date: str, width_km: float, split: float) -> pa.Table:
    """The largest 200 settlements inside a width/split zone as readers see them (``tables.towns_table``)."""
    return tables.arrow(tables.towns_table(get_analysis(date, width_km, split).towns.head(200), oblast_names()))


@per_snapshot(DATES_KEPT * 4)
def occupied_by_oblast(date: str) -> pd.DataFrame:
    """Occupied km² and % per oblast on a date."""
    return stats.occupied_by_oblast(get_front(date))


@per_snapshot(ZONES_KEPT)
def oblasts_table(date: str, width_km: float, split: float) -> pa.Table:
    """The oblasts table of a width/split zone (``present.oblasts_rows``)."""
    return tables.arrow(oblasts_table_of(date, get_analysis(date, width_km, split).population.by_oblast))


def oblasts_table_of(date: str, people_by_oblast: dict[str, float]) -> pd.DataFrame:
    """Oblasts touched by the occupation or a zone with these people inside (``present.oblasts_rows``)."""
    return present.oblasts_rows(occupied_by_oblast(date), people_by_oblast, oblast_names())


def occupied_summary(date: str) -> dict:
    """Occupied km² and %, frontline km of a date (``stats.occupied_summary``; the Front keeps them)."""
    return stats.occupied_summary(get_front(date))


@st.cache_data(show_spinner=False, max_entries=1)
def history_table() -> pd.DataFrame:
    return layers.history()


@st.cache_resource(show_spinner=False, max_entries=1)
def oblast_names() -> dict[str, str]:
    """Oblast ISO code -> English name."""
    obl = layers.oblasts()
    return dict(zip(obl["iso"], obl["name_en"], strict=True))


@dataclass(frozen=True)
class Scene:
    """The zone a page shows: along the date's line (``standard``: every part cached) or from an upload."""

    front: Front
    zone: zones.Zone
    analysis: stats.ZoneAnalysis
    label: str
    # each weapon class's reach for the brief's table, computed when the brief is drawn
    reach_later: Callable[[], tuple[reach.WeaponReach, ...]] | None = None

    @property
    def standard(self) -> bool:
        return not (self.zone.custom or self.front.custom)


def standard_scene(date: str, width_km: float, split: float) -> Scene:
    """The width/split zone along the date's line."""
    front, zone = get_front(date), get_zone(date, width_km, split)
    return Scene(front, zone, get_analysis(date, width_km, split), present.zone_label(zone, front))
