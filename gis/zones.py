"""Buffer zones along the frontline, by side, and the named proposals.

A zone of total width ``W`` km with split ``s`` (share of W on the occupied
side) is, in METRIC_CRS:

* occupied side:   buffer(frontline, s*W)     ∩ occupied side of Ukraine
* controlled side: buffer(frontline, (1-s)*W) ∩ Ukrainian-controlled territory

so it never leaves Ukraine's land. Areas are measured in the equal-area CRS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry

from gis import GisError, crs
from gis.frontline import NEAR_LINE_M, Front

MIN_WIDTH_KM = 0.5
MAX_WIDTH_KM = 150.0
SIDES = ("occupied", "ukraine_controlled")


@dataclass(frozen=True)
class Proposal:
    """A named zone preset: total width (km) and split (share on the occupied side)."""

    key: str
    label: str
    width_km: float
    split: float
    source: str


MODELLED_NOTE = (
    "The Russian and Ukrainian presets are modelled readings of positions reported in the press, not official texts."
)

PROPOSALS: dict[str, Proposal] = {
    p.key: p
    for p in (
        Proposal(
            "russian",
            "Russian preference (5 km)",
            5.0,
            0.5,
            "Modelled: a narrow zone needing little withdrawal, as Russia's position is reported (2025).",
        ),
        Proposal(
            "ukrainian",
            "Ukrainian preference (25 km)",
            25.0,
            0.5,
            "Modelled: a wide zone pushing forces away from towns and critical infrastructure, as "
            "Ukraine's position is reported (2025).",
        ),
        Proposal(
            "korea",
            "Korean DMZ model (4 km, 2+2)",
            4.0,
            0.5,
            "Korean Armistice Agreement (1953): 2 km each side of the Military Demarcation Line.",
        ),
        Proposal(
            "kellogg",
            "Kellogg 30 km (15+15)",
            30.0,
            0.5,
            "US envoy Keith Kellogg, May 2025: a 30 km zone, 15 km each side of the line.",
        ),
        Proposal(
            "minsk2",
            "Minsk II heavy-artillery line (50 km, 25+25)",
            50.0,
            0.5,
            "Minsk II (12 Feb 2015): artillery of 100 mm and more withdrawn 25 km each side.",
        ),
    )
}


def get_proposal(key: str) -> Proposal:
    """Look up a preset by key; raises GisError listing the valid keys."""
    try:
        return PROPOSALS[key]
    except (KeyError, TypeError):
        raise GisError(f"Unknown proposal {str(key)[:40]!r}. Choose one of: {', '.join(PROPOSALS)}.") from None


def check_width_split(width_km: float, split: float) -> tuple[float, float]:
    """Validate a width (km) and split (0-1); raises GisError with the allowed range."""
    try:
        w, s = float(width_km), float(split)
    except (TypeError, ValueError):
        raise GisError("Width and split must be numbers.") from None
    if not math.isfinite(w) or not MIN_WIDTH_KM <= w <= MAX_WIDTH_KM:
        raise GisError(f"Width must be between {MIN_WIDTH_KM} and {MAX_WIDTH_KM:g} km, got {width_km}.")
    if not math.isfinite(s) or not 0.0 <= s <= 1.0:
        raise GisError(f"Split must be between 0 and 1 (share of the width on the occupied side), got {split}.")
    return w, s


@dataclass(frozen=True)
class Zone:
    """A zone's two parts (METRIC_CRS) and their areas (km², equal-area).

    ``custom``: not a width/split buffer of the line but a given polygon (an upload, a difference of two
    zones); its width and split are NaN and ``name`` says where it comes from ("" for an upload)."""

    date: str
    width_km: float
    split: float
    occupied: BaseGeometry
    controlled: BaseGeometry
    area_km2_occupied: float
    area_km2_controlled: float
    custom: bool = False
    name: str = ""

    @property
    def ru_depth_km(self) -> float:
        """Depth on the occupied side (km): how far Russian forces pull back."""
        return self.width_km * self.split

    @property
    def ua_depth_km(self) -> float:
        """Depth on the controlled side (km): how far Ukrainian forces pull back."""
        return self.width_km * (1 - self.split)

    @property
    def area_km2(self) -> float:
        return self.area_km2_occupied + self.area_km2_controlled

    def parts(self) -> list[tuple[str, float, BaseGeometry, float]]:
        """(side, depth_km, geometry, area_km2) for both sides."""
        return [
            ("occupied", self.ru_depth_km, self.occupied, self.area_km2_occupied),
            ("ukraine_controlled", self.ua_depth_km, self.controlled, self.area_km2_controlled),
        ]


def make_zone(front: Front, width_km: float, split: float = 0.5) -> Zone:
    """The zone of total width ``width_km`` with ``split`` of it on the occupied side."""
    w, s = check_width_split(width_km, split)
    buffers: dict[float, BaseGeometry] = {}  # an equal split needs one buffer, not two

    def side_part(depth_km: float, side: int) -> BaseGeometry:
        if depth_km <= 0:
            return shapely.Polygon()
        if depth_km not in buffers:
            buffers[depth_km] = front.buffer(depth_km * 1000.0)
        # the 1 km margin of NEAR_LINE_M exceeds how far the reach polygon's chords cut inside its arcs (~250 m)
        near = depth_km * 1000.0 <= NEAR_LINE_M - 1000.0
        sides = front.sides_near_line if near else (front.sides.occupied_side, front.sides.controlled)
        return shapely.intersection(buffers[depth_km], sides[side])

    occ = side_part(w * s, 0)
    ctl = side_part(w * (1 - s), 1)
    a_occ, a_ctl = crs.area_km2([occ, ctl])
    return Zone(front.date, w, s, occ, ctl, float(a_occ), float(a_ctl))


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygons of an overlay result (drops the lines and points where shapes merely touch)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    return shapely.multipolygons(parts) if len(parts) > 1 else (parts[0] if parts else shapely.Polygon())


def _robust_intersection(a: BaseGeometry, b: BaseGeometry) -> BaseGeometry:
    """``a ∩ b``; if floating-point noding fails on nearly coincident edges, again snapped to a 1 cm grid."""
    try:
        return shapely.intersection(a, b)
    except shapely.errors.GEOSException:
        return shapely.intersection(a, b, grid_size=0.01)


def custom_zone(front: Front, polygon_m: BaseGeometry, name: str = "") -> Zone:
    """A user-drawn/uploaded zone polygon (metric), split by side and clipped to Ukraine.

    Width and split are NaN (not defined for a free shape). Raises GisError if
    nothing of the polygon lies on Ukraine's territory.
    """
    occ = _polygonal(_robust_intersection(polygon_m, front.sides.occupied_side))
    ctl = _polygonal(_robust_intersection(polygon_m, front.sides.controlled))
    if occ.is_empty and ctl.is_empty:
        raise GisError("The zone polygon does not overlap Ukraine's territory.")
    a_occ, a_ctl = crs.area_km2([occ, ctl])
    return Zone(front.date, math.nan, math.nan, occ, ctl, float(a_occ), float(a_ctl), custom=True, name=name)


def zone_difference(front: Front, b: Zone, a: Zone) -> Zone:
    """The part of zone ``b`` not in zone ``a`` (what ``b`` adds over ``a``), by side; may be empty."""
    a_all = shapely.union(a.occupied, a.controlled)
    occ, ctl = shapely.difference(b.occupied, a_all), shapely.difference(b.controlled, a_all)
    a_occ, a_ctl = crs.area_km2([occ, ctl])
    return Zone(front.date, math.nan, math.nan, occ, ctl, float(a_occ), float(a_ctl), custom=True, name="difference")
