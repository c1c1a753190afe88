"""Uploaded files: parsed once per content, and turned into the zone a page shows.

Every failure while parsing or analysing an upload becomes a message (the error boundary of uploads);
a refused file is remembered too, so a slider move does not parse it again.
"""

from __future__ import annotations

import hashlib

import shapely
import streamlit as st
from shapely.geometry.base import BaseGeometry

from gis import GisError, present, stats, zones
from gis.frontline import Front, custom_front
from gis.population import PopulationIndex
from gis.uploads import read_geojson_bytes
from ui import cached
from ui.messages import error_box, error_text, message

UPLOADED_LINE = "your uploaded frontline"  # how readers see it named ("Zone 10 km along …")


@st.cache_data(show_spinner="Checking the uploaded file…", max_entries=32)
def parse_upload(data: bytes, kinds: tuple[str, ...]) -> dict:
    """An upload parsed once per content, failures included (a refused file is not re-parsed on every rerun).

    {"wkbs": lon/lat features (WKB), "metric": the combined METRIC_CRS geometry (WKB), "notices": [...]}
    or {"error": message}.
    """
    try:
        up = read_geojson_bytes(data, kinds=kinds)
        return {
            "wkbs": [shapely.to_wkb(g) for g in up.geometries],
            "metric": shapely.to_wkb(up.metric()),
            "notices": up.notices,
        }
    except Exception as e:  # the error boundary of uploads: every failure becomes a message
        return {"error": error_text(e)}


def parsed_upload(data: bytes, kinds: tuple[str, ...]) -> dict:
    """``parse_upload``, raising GisError(message) for a refused file."""
    parsed = parse_upload(data, kinds)
    if "error" in parsed:
        raise GisError(parsed["error"])
    return parsed


def upload_geometry_m(data: bytes, kinds: tuple[str, ...]) -> tuple[BaseGeometry, list[str]]:
    """(metric geometry, notices) of an upload; raises GisError."""
    parsed = parsed_upload(data, kinds)
    return shapely.from_wkb(parsed["metric"]), parsed["notices"]


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _raise_refused(kept: tuple):
    """A kept analysis (result, extra), or the kept refusal (GisError, None) raised again."""
    if isinstance(kept[0], GisError):
        raise kept[0]
    return kept


@st.cache_resource(show_spinner="Analysing the uploaded frontline…", max_entries=8)
def _custom_front(date: str, data_hash: str, _line_m: BaseGeometry):
    try:
        front = custom_front(cached.get_front(date), _line_m, label=UPLOADED_LINE)
        return front, stats.population_index(front)
    except Exception as e:  # kept, so a refused line is not re-analysed on every rerun
        return GisError(error_text(e)), None


def custom_front_for(date: str, data: bytes) -> tuple[Front, PopulationIndex, list[str]]:
    """(Front, its population index, notices) along an uploaded frontline, kept per date and file; raises GisError."""
    line_m, notices = upload_geometry_m(data, ("LineString",))
    front, index = _raise_refused(_custom_front(date, file_hash(data), line_m))
    return front, index, notices


@st.cache_resource(show_spinner="Analysing the uploaded zone…", max_entries=8)
def _custom_zone(date: str, data_hash: str, _polygon_m: BaseGeometry):
    try:
        front = cached.get_front(date)
        zone = zones.custom_zone(front, _polygon_m)
        return zone, stats.analyse(front, zone, cached.get_population_index(date))
    except Exception as e:  # kept, so a refused zone is not re-analysed on every rerun
        return GisError(error_text(e)), None


def custom_zone_for(date: str, data: bytes) -> tuple[zones.Zone, stats.ZoneAnalysis, list[str]]:
    """(Zone, analysis, notices) of an uploaded polygon, kept per date and file (a slider move does not
    change it); raises GisError."""
    poly_m, notices = upload_geometry_m(data, ("Polygon",))
    zone, analysis = _raise_refused(_custom_zone(date, file_hash(data), poly_m))
    return zone, analysis, notices


def uploaded_scene(
    date: str, width_km: float, split: float, as_line: bool, data: bytes
) -> tuple[cached.Scene, list[str]]:
    """The zone from an uploaded frontline (a width/split zone along it) or an uploaded zone polygon, with the
    upload's notices; raises GisError."""
    if as_line:
        front, index, notices = custom_front_for(date, data)
        zone = zones.make_zone(front, width_km, split)
        analysis = stats.analyse(front, zone, index)
    else:
        front = cached.get_front(date)
        zone, analysis, notices = custom_zone_for(date, data)
    return cached.Scene(front, zone, analysis, present.zone_label(zone, front)), notices


def explorer_scene(date: str, width_km: float, split: float, as_line: bool, upload) -> cached.Scene:
    """What the Explorer shows: the uploaded file's zone if there is a usable one (with its notices and a
    success line), else the standard zone (with the reason the file could not be used)."""
    if upload is None:
        return cached.standard_scene(date, width_km, split)
    try:
        scene, notices = uploaded_scene(date, width_km, split, as_line, upload.getvalue())
    except Exception as e:  # the upload's error boundary: a message, and the standard zone
        error_box(e, f"Could not use {upload.name!r}: ", " The standard zone is shown instead.")
        return cached.standard_scene(date, width_km, split)
    for n in notices:
        message("info", n)
    message("success", f"Analysing the uploaded file {upload.name!r}: {scene.label.lower()}.")
    return scene
