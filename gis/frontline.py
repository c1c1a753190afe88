"""Derive the frontline and the two sides from an occupied-territory polygon.

The raw DeepStateMap polygon does not follow Ukraine's coast, has tiny holes
and gaps between its pieces, and leaves rivers and reservoirs out even where
both banks are occupied. Taken naively, "Ukraine minus occupied" then draws a
front along water and gaps deep behind Russian lines. We therefore:

1. clip the occupied polygon to Ukraine's land (``occupied``);
2. add to it, *for tracing the line only* (``line_fill``):
   * gaps narrower than 2 x ``GAP_CLOSE_M`` (1 km) between occupied pieces
     (a morphological closing), and
   * water between occupied banks: the parts of a wider closing
     (2 x ``WATER_CLOSE_M``, 15 km) that are mostly water according to the
     OpenStreetMap water mask (the lower Kakhovka reservoir and the Dnipro
     below it in 2022, channels behind delta islands); land is never filled
     by this step, so Ukrainian-held salients stay;
3. take the Ukrainian-controlled side as the *largest connected* part of
   Ukraine minus (occupied + fill) (``controlled``); everything else counts
   with the occupied side (``occupied_side`` = Ukraine - controlled);
4. the frontline is the boundary of ``controlled`` minus everything within
   ``BORDER_TOLERANCE_M`` of Ukraine's own outline (international border, coast).

All geometry here is in ``gis.crs.METRIC_CRS`` (metres).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis import GisError, crs

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
    fill: BaseGeometry = field(default_factory=shapely.Polygon)  # gaps and water counted as occupied for the line only


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


# Gaps between occupied pieces narrower than twice this count as occupied (m).
GAP_CLOSE_M = 500.0
# Water between occupied banks up to twice this wide counts as occupied (m).
WATER_CLOSE_M = 7500.0
# A filled pocket is treated as water when at least this share of it is water.
WATER_SHARE_MIN = 0.5
# Occupied outline simplified before the wide closing (m): it only selects pockets.
WATER_CLOSE_SIMPLIFY_M = 200.0
_MIN_POCKET_M2 = 1e4


def _closing(geom: BaseGeometry, distance_m: float) -> BaseGeometry:
    """Morphological closing: fills gaps and notches narrower than 2 x ``distance_m``."""
    grown = shapely.buffer(geom, distance_m, quad_segs=8)
    return shapely.buffer(grown, -distance_m, quad_segs=8)


def line_fill(occupied: BaseGeometry, ukraine: BaseGeometry, water: BaseGeometry | None) -> BaseGeometry:
    """What the line treats as occupied besides ``occupied`` itself (metric polygons).

    Gaps under 1 km between occupied pieces, and pockets up to 15 km wide
    between occupied banks that are at least half water (if a water mask is given).
    """
    gaps = shapely.difference(shapely.intersection(_closing(occupied, GAP_CLOSE_M), ukraine), occupied)
    if water is None or water.is_empty:
        return gaps
    closed = shapely.union(occupied, gaps)
    wide = _closing(shapely.simplify(closed, WATER_CLOSE_SIMPLIFY_M), WATER_CLOSE_M)
    pockets = shapely.get_parts(shapely.difference(shapely.intersection(wide, ukraine), closed))
    pockets = pockets[shapely.area(pockets) > _MIN_POCKET_M2]
    if len(pockets):
        water_share = shapely.area(shapely.intersection(pockets, water)) / shapely.area(pockets)
        pockets = pockets[water_share >= WATER_SHARE_MIN]
    return shapely.union_all([gaps, *pockets])


def derive_sides(
    occupied: BaseGeometry, ukraine: BaseGeometry, water: BaseGeometry | None = None, fill: BaseGeometry | None = None
) -> Sides:
    """Split Ukraine (metric) by an occupied polygon (metric) and trace the front.

    ``fill`` is the precomputed ``line_fill`` (shipped dates store it); without it,
    it is computed here from ``water`` (the water mask, metric; None: gaps only).
    """
    occ = shapely.intersection(clean_polygonal(occupied), ukraine)
    if occ.is_empty:
        raise GisError("The occupied-territory polygon does not overlap Ukraine.")
    if fill is None:
        fill = line_fill(occ, ukraine, water)
    remainder = shapely.difference(ukraine, shapely.union(occ, fill))
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
    return Sides(occ, occupied_side, controlled, shapely.MultiLineString(lines), fill)


# Line simplification before buffering (m): a jagged line buffers 100x slower,
# and 100 m changes zone areas by ~0.02 %.
BUFFER_SIMPLIFY_M = 100.0
BUFFER_PIECE_SEGMENTS = 10
NEAR_LINE_M = 51_000.0  # Front.sides_near_line: the slider's deepest zone (50 km on one side) and a margin


def line_pieces(line: BaseGeometry) -> np.ndarray:
    """A (simplified) line cut into pieces of BUFFER_PIECE_SEGMENTS segments.

    The union of the pieces' buffers *is* the line's buffer, and GEOS builds it about 8x faster for wide
    buffers than buffering a 1,000-vertex line whole (100x for a river border's wiggles).
    """
    pieces = []
    for part in shapely.get_parts(line):
        xy = shapely.get_coordinates(part)
        for i in range(0, len(xy) - 1, BUFFER_PIECE_SEGMENTS):
            pieces.append(shapely.linestrings(xy[i : i + BUFFER_PIECE_SEGMENTS + 1]))
    return np.array(pieces, dtype=object)


@dataclass(frozen=True)
class Front:
    """Everything about one date that does not depend on the zone width (metric).

    ``custom``: the line is a user's (``custom_front``), not the one derived from the date's snapshot;
    ``source`` then names it for readers. Width-independent figures of the Front itself (its length,
    areas, buffer pieces) are computed once per object (``cached_property``)."""

    date: str
    source: str
    sides: Sides
    ukraine: BaseGeometry
    frontline_simple: BaseGeometry  # simplified for fast buffering
    custom: bool = False

    @property
    def frontline(self) -> BaseGeometry:
        return self.sides.frontline

    @cached_property
    def line_key(self) -> str:
        """Identifies this line (a hash of its simplified geometry): a population index built for one
        line must never serve another."""
        return hashlib.sha1(shapely.to_wkb(self.frontline_simple)).hexdigest()

    @cached_property
    def frontline_km(self) -> float:
        """Geodesic length of the line (km)."""
        return float(crs.length_km(self.frontline))

    @cached_property
    def occupied_km2(self) -> float:
        """Occupied territory on this date (km², equal-area)."""
        return float(crs.area_km2(self.sides.occupied))

    @cached_property
    def ukraine_km2(self) -> float:
        """Ukraine's area (km², equal-area)."""
        return float(crs.area_km2(self.ukraine))

    @cached_property
    def buffer_pieces(self) -> np.ndarray:
        """The simplified line cut into pieces (``line_pieces``)."""
        return line_pieces(self.frontline_simple)

    def buffer(self, distance_m: float) -> BaseGeometry:
        """Everything within ``distance_m`` metres of the (simplified) frontline."""
        return shapely.union_all(shapely.buffer(self.buffer_pieces, distance_m))

    @cached_property
    def sides_near_line(self) -> tuple[BaseGeometry, BaseGeometry]:
        """(occupied side, Ukrainian-controlled side) within NEAR_LINE_M of the simplified line. A zone up
        to that depth is cut from these: the same result as from the whole sides, from an overlay with
        about 40 % of their vertices (2x faster per new width)."""
        reach = self.buffer(NEAR_LINE_M)
        return (
            shapely.intersection(self.sides.occupied_side, reach),
            shapely.intersection(self.sides.controlled, reach),
        )

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
        raise GisError(
            f"The line is {line.length / 1000:,.0f} km long inside Ukraine; the limit is {MAX_CUSTOM_LINE_KM:,.0f} km "
            "(the real frontline is about 1,300 km). Upload the frontline only, or split the file."
        )
    simple = shapely.simplify(line, BUFFER_SIMPLIFY_M)
    n = int(shapely.get_num_coordinates(simple))
    if n > MAX_CUSTOM_LINE_VERTICES:
        raise GisError(
            f"The line still has {n:,} vertices after smoothing out wiggles under {BUFFER_SIMPLIFY_M:g} m; "
            f"the limit is {MAX_CUSTOM_LINE_VERTICES:,} (the real frontline needs about 1,500). "
            "It zig-zags finely over a long distance: smooth it (e.g. simplify to 500 m) or split it."
        )
    sides = Sides(base.sides.occupied, base.sides.occupied_side, base.sides.controlled, line, base.sides.fill)
    return Front(base.date, label, sides, base.ukraine, simple, custom=True)


# The line audit: probes this far (km) to each side of the line, every AUDIT_STEP_M.
AUDIT_PROBES_KM = (0.25, 0.5, 1.0)
AUDIT_STEP_M = 500.0


@dataclass(frozen=True)
class LineAudit:
    """What a derived line looks like: length (km), pieces, and the share (%) of it that has
    occupied land within 1 km on *both* sides, i.e. runs behind Russian lines (water, gaps)."""

    length_km: float
    pieces: int
    both_sides_occupied_pct: float


def audit_line(sides: Sides) -> LineAudit:
    """Probe the frontline of ``sides`` every AUDIT_STEP_M to both sides (see LineAudit)."""
    line = sides.frontline
    parts = shapely.get_parts(line)
    dist = [np.arange(AUDIT_STEP_M / 2, p.length, AUDIT_STEP_M) for p in parts]
    owner = np.repeat(parts, [len(d) for d in dist])
    d = np.concatenate(dist)
    a = shapely.get_coordinates(shapely.line_interpolate_point(owner, np.maximum(d - 10, 0)))
    b = shapely.get_coordinates(shapely.line_interpolate_point(owner, d + 10))
    mid = shapely.get_coordinates(shapely.line_interpolate_point(owner, d))
    t = b - a
    normal = np.column_stack([-t[:, 1], t[:, 0]]) / np.maximum(np.hypot(*t.T), 1e-9)[:, None]
    occ = sides.occupied
    shapely.prepare(occ)
    hit = {}
    for sign in (1, -1):
        hit[sign] = np.zeros(len(d), bool)
        for km in AUDIT_PROBES_KM:
            q = mid + sign * km * 1000 * normal
            hit[sign] |= shapely.contains_xy(occ, q[:, 0], q[:, 1])
    both = hit[1] & hit[-1]
    return LineAudit(
        round(float(crs.length_km(line)), 1), len(parts), round(100 * float(both.mean()), 2) if len(d) else 0.0
    )
