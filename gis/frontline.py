"""Derive the frontline and the two sides from an occupied-territory polygon.

The raw DeepStateMap polygon does not follow Ukraine's coast and has tiny
holes, so "Ukraine minus occupied" has hundreds of slivers. We therefore:

1. clip the occupied polygon to Ukraine's land (``occupied``);
2. take the Ukrainian-controlled side as the *largest connected* part of
   Ukraine minus occupied (``controlled``); slivers and coastal pockets cut off
   from it count with the occupied side (``occupied_side`` = Ukraine - controlled);
3. the frontline is the boundary of ``controlled`` minus everything within
   ``BORDER_TOLERANCE_M`` of Ukraine's own outline (international border, coast).

All geometry here is in ``gis.crs.METRIC_CRS`` (metres).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis import GisError

# Boundary within this distance of Ukraine's outline is border or coast, not front (m).
BORDER_TOLERANCE_M = 500.0
# Line pieces shorter than this are artefacts of the tolerance cut (m).
MIN_PIECE_M = 200.0


@dataclass(frozen=True)
class Sides:
    """The two sides of the line and the line itself (METRIC_CRS, metres)."""

    occupied: BaseGeometry  # DeepStateMap occupied territory clipped to Ukraine
    occupied_side: BaseGeometry  # Ukraine minus the main controlled territory
    controlled: BaseGeometry  # main Ukrainian-controlled territory
    frontline: BaseGeometry  # MultiLineString


def clean_polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Repair a geometry and keep only its polygonal parts (drops stray lines/points)."""
    geom = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def border_band(ukraine: BaseGeometry) -> BaseGeometry:
    """Everything within BORDER_TOLERANCE_M of Ukraine's outline (border and coast), prepared."""
    band = shapely.buffer(shapely.boundary(ukraine), BORDER_TOLERANCE_M, quad_segs=16)
    shapely.prepare(band)
    return band


def derive_sides(occupied: BaseGeometry, ukraine: BaseGeometry) -> Sides:
    """Split Ukraine (metric) by an occupied polygon (metric) and trace the front."""
    occ = shapely.intersection(clean_polygonal(occupied), ukraine)
    if occ.is_empty:
        raise GisError("The occupied-territory polygon does not overlap Ukraine.")
    remainder = shapely.difference(ukraine, occ)
    parts = shapely.get_parts(remainder)
    parts = parts[[p.geom_type == "Polygon" for p in parts]]
    if len(parts) == 0:
        raise GisError("The occupied-territory polygon covers all of Ukraine.")
    controlled = max(parts, key=lambda p: p.area)
    occupied_side = shapely.difference(ukraine, controlled)
    front = shapely.difference(controlled.boundary, border_band(ukraine))
    front = shapely.line_merge(front)
    lines = [g for g in shapely.get_parts(front) if g.length >= MIN_PIECE_M]
    if not lines:
        raise GisError("No frontline found: the occupied area does not touch controlled territory.")
    return Sides(occ, occupied_side, controlled, shapely.MultiLineString(lines))


# Line simplification before buffering (m): a jagged line buffers 100x slower,
# and 100 m changes zone areas by ~0.02 %.
BUFFER_SIMPLIFY_M = 100.0
BUFFER_PIECE_SEGMENTS = 10


@dataclass(frozen=True)
class Front:
    """Everything about one date that does not depend on the zone width (metric)."""

    date: str
    source: str
    sides: Sides
    ukraine: BaseGeometry
    frontline_simple: BaseGeometry  # simplified for fast buffering
    # width-independent results (e.g. monitoring posts' watched area), keyed by their inputs
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def frontline(self) -> BaseGeometry:
        return self.sides.frontline

    @cached_property
    def buffer_pieces(self) -> np.ndarray:
        """The simplified line cut into pieces of BUFFER_PIECE_SEGMENTS segments.

        The union of the pieces' buffers *is* the line's buffer, and GEOS builds it
        about 8x faster for wide buffers than buffering the 1,000-vertex line whole.
        """
        pieces = []
        for part in shapely.get_parts(self.frontline_simple):
            xy = shapely.get_coordinates(part)
            for i in range(0, len(xy) - 1, BUFFER_PIECE_SEGMENTS):
                pieces.append(shapely.linestrings(xy[i:i + BUFFER_PIECE_SEGMENTS + 1]))
        return np.array(pieces, dtype=object)

    def buffer(self, distance_m: float) -> BaseGeometry:
        """Everything within ``distance_m`` metres of the (simplified) frontline."""
        return shapely.union_all(shapely.buffer(self.buffer_pieces, distance_m))

    @cached_property
    def border_band(self) -> BaseGeometry:
        """Border and coast band of this Front's Ukraine (see ``border_band``)."""
        return border_band(self.ukraine)


def make_front(date: str, source: str, sides: Sides, ukraine: BaseGeometry) -> Front:
    """Bundle a date's sides, preparing geometries for repeated fast queries."""
    simple = shapely.simplify(sides.frontline, BUFFER_SIMPLIFY_M)
    for g in (sides.occupied_side, sides.controlled, ukraine):
        shapely.prepare(g)
    return Front(date, source, sides, ukraine, simple)


# A custom line may keep at most this many vertices after the BUFFER_SIMPLIFY_M simplification:
# buffering and the population index grow with them (10,000: about 1 s per width on 2 cores;
# the real 1,347 km frontline keeps ~1,500).
MAX_CUSTOM_LINE_VERTICES = 10_000
MAX_CUSTOM_LINE_KM = 10_000.0  # seven times the real front


def custom_front(base: Front, line_m: BaseGeometry, label: str = "custom line") -> Front:
    """A Front whose line is the user's (metric); sides stay those of ``base``'s date.

    The line's parts are kept as given, not noded at their crossings (noding a
    self-crossing line is quadratic); raises GisError if it is longer than
    MAX_CUSTOM_LINE_KM, or if after simplification by BUFFER_SIMPLIFY_M it still
    has more than MAX_CUSTOM_LINE_VERTICES vertices.
    """
    lines = [g for g in shapely.get_parts(line_m) if g.geom_type == "LineString" and g.length > 0]
    if not lines:
        raise GisError("The custom frontline has no non-empty LineString.")
    line = shapely.multilinestrings(lines)
    if line.length > MAX_CUSTOM_LINE_KM * 1000:
        raise GisError(f"The line is {line.length / 1000:,.0f} km long inside Ukraine; the limit is {MAX_CUSTOM_LINE_KM:,.0f} km "
                       "(the real frontline is about 1,350 km). Upload the frontline only, or split the file.")
    simple = shapely.simplify(line, BUFFER_SIMPLIFY_M)
    n = int(shapely.get_num_coordinates(simple))
    if n > MAX_CUSTOM_LINE_VERTICES:
        raise GisError(f"The line still has {n:,} vertices after smoothing out wiggles under {BUFFER_SIMPLIFY_M:g} m; "
                       f"the limit is {MAX_CUSTOM_LINE_VERTICES:,} (the real frontline needs about 1,500). "
                       "It zig-zags finely over a long distance: smooth it (e.g. simplify to 500 m) or split it.")
    sides = Sides(base.sides.occupied, base.sides.occupied_side, base.sides.controlled, line)
    return Front(base.date, label, sides, base.ukraine, simple)
