"""Monitoring coverage: can the zone actually be watched?

Posts (cameras, radars, patrol bases) are placed every ``spacing_km`` along the
zone's edge on one or both sides (or on the line itself, offset 0) and watch a
disc of the sensor's range; long-endurance UAV orbits each watch a stretch of
line. Coverage is the union of what they watch (overlaps count once); gaps are
the parts of the frontline nobody watches. All geometry in METRIC_CRS (m).

Sensor ranges are order-of-magnitude public figures (see docs/method.md) and
are editable in the UI and CLI.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import shapely
import shapely.ops
from shapely.geometry.base import BaseGeometry

from gis import GisError, crs
from gis.frontline import Front
from gis.zones import Zone

SIDE_CHOICES = ("both", "occupied", "ukraine_controlled")
# Bounds on the work a user can ask for (docs/method.md, "Limits on uploads"): 5,000 posts is a
# post every 270 m of the 1,347 km line; 100 orbits watch 8,000 km of line.
MAX_POSTS = 5_000
MAX_UAV_ORBITS = 100


@dataclass(frozen=True)
class Sensor:
    """A sensor/post type: what one post can watch."""

    key: str
    label: str
    range_km: float  # radius a post watches (km)
    crew: int  # people per post for 24/7 operation
    note: str


SENSORS: dict[str, Sensor] = {
    s.key: s
    for s in (
        Sensor(
            "camera",
            "Fixed thermal/optical camera post",
            4.0,
            8,
            "Cooled MWIR camera: a person at 3-5 km (uncooled thermal 0.5-1.5 km). OSCE SMM ran 24/7 "
            "360° cameras at fixed sites.",
        ),
        Sensor(
            "radar_people",
            "Ground surveillance radar (people)",
            12.0,
            10,
            "Ground surveillance radar: a walking person at about 10-12 km.",
        ),
        Sensor(
            "radar_vehicles",
            "Ground surveillance radar (vehicles)",
            40.0,
            10,
            "Ground surveillance radar: vehicles up to about 40-50 km.",
        ),
        Sensor(
            "patrol_base",
            "Monitor patrol base",
            10.0,
            30,
            "A monitors' base whose patrols reach about 10 km by road each day (not continuous watch).",
        ),
    )
}

SATELLITE_NOTE = (
    "Satellites: commercial optical/radar constellations revisit any point several times a day; "
    "good for attribution of build-ups, not for continuous watch. Not drawn as coverage."
)


@dataclass(frozen=True)
class UavPlan:
    """Long-endurance UAV orbits (S-100 class: ~200 km radius, 6-8 h endurance)."""

    orbits: int = 0  # continuous orbits kept in the air
    segment_km: float = 80.0  # line length one orbit keeps under watch (km)
    footprint_km: float = 5.0  # sensor half-width each side of the line (km)
    endurance_h: float = 6.0  # hours per sortie

    def __post_init__(self):
        if not (isinstance(self.orbits, int) and 0 <= self.orbits <= MAX_UAV_ORBITS):
            raise GisError(f"UAV orbits must be a whole number 0-{MAX_UAV_ORBITS}, got {str(self.orbits)[:20]}.")

    @property
    def airframes(self) -> int:
        """Aircraft needed to keep the orbits 24/7 (one spare per orbit)."""
        return self.orbits * (math.ceil(24 / self.endurance_h) + 1) if self.orbits else 0


def get_sensor(key: str, range_km: float | None = None, crew: int | None = None) -> Sensor:
    """A sensor preset, optionally with an edited range (km) or crew."""
    if key not in SENSORS:
        raise GisError(f"Unknown sensor {str(key)[:40]!r}. Choose one of: {', '.join(SENSORS)}.")
    s = SENSORS[key]
    if range_km is not None:
        if not (isinstance(range_km, (int, float)) and math.isfinite(range_km) and 0.1 <= range_km <= 200):
            raise GisError(f"Sensor range must be between 0.1 and 200 km, got {range_km}.")
        s = replace(s, range_km=float(range_km))
    if crew is not None:
        if not (isinstance(crew, int) and 0 <= crew <= 1000):
            raise GisError(f"Crew per post must be a whole number 0-1000, got {crew}.")
        s = replace(s, crew=crew)
    return s


def _check_spacing(spacing_km: float) -> float:
    if not (isinstance(spacing_km, (int, float)) and math.isfinite(spacing_km) and 0.5 <= spacing_km <= 500):
        raise GisError(f"Post spacing must be between 0.5 and 500 km, got {spacing_km}.")
    return float(spacing_km)


def _points_along(lines: BaseGeometry, spacing_m: float) -> np.ndarray:
    """Points every ``spacing_m`` along each line part, the first at half a spacing from its start."""
    pts = []
    for part in shapely.get_parts(lines):
        n = max(1, math.ceil(part.length / spacing_m - 1e-9))
        step = part.length / n
        pts.append(shapely.line_interpolate_point(part, (np.arange(n) + 0.5) * step))
    return np.concatenate(pts) if pts else np.array([], dtype=object)


def offset_line(front: Front, offset_km: float, side: str) -> BaseGeometry:
    """Lines at ``offset_km`` from the frontline on one side (metric), border and coast excluded.

    Offset 0 is the frontline itself; the zone edge is offset = that side's depth.
    """
    if offset_km <= 0:
        return front.frontline
    ring = shapely.boundary(front.buffer(offset_km * 1000))
    side_geom = front.sides.occupied_side if side == "occupied" else front.sides.controlled
    edge = shapely.difference(shapely.intersection(ring, side_geom), front.border_band)
    return shapely.line_merge(edge)


def auto_posts(front: Front, spacing_km: float, offset_km: float = 0.0, sides: str = "both") -> np.ndarray:
    """Posts every ``spacing_km`` along lines ``offset_km`` from the front, on one or both sides."""
    spacing_m = _check_spacing(spacing_km) * 1000
    if sides not in SIDE_CHOICES:
        raise GisError(f"Sides must be one of {', '.join(SIDE_CHOICES)}.")
    if not (math.isfinite(offset_km) and 0 <= offset_km <= 100):
        raise GisError(f"Post offset must be between 0 and 100 km, got {offset_km}.")
    if offset_km == 0:
        return _points_along(front.frontline, spacing_m)
    chosen = ("occupied", "ukraine_controlled") if sides == "both" else (sides,)
    lines = [offset_line(front, offset_km, s) for s in chosen]
    pts = [_points_along(ln, spacing_m) for ln in lines if not ln.is_empty]
    return np.concatenate(pts) if pts else np.array([], dtype=object)


def uav_coverage(front: Front, plan: UavPlan) -> BaseGeometry:
    """What ``plan.orbits`` UAV orbits watch: stretches of line spread evenly along it.

    Overlapping stretches are merged along the line before anything is buffered (100 orbits of
    80 km overlap six-fold on a 1,300 km line; noding the overlapping pieces took ~18 s)."""
    if plan.orbits <= 0:
        return shapely.Polygon()
    parts = sorted(shapely.get_parts(front.frontline), key=lambda g: -g.length)
    total = sum(p.length for p in parts)
    seg_m = plan.segment_km * 1000
    spans: dict[int, list[list[float]]] = {}  # part index -> merged [start, end] (m along the part)
    for k in range(plan.orbits):  # positions increase with k, so each new span only meets the last one
        pos = (k + 0.5) * total / plan.orbits
        for i, p in enumerate(parts):  # find the part holding this position along the concatenated line
            if pos <= p.length:
                a, b = max(0.0, pos - seg_m / 2), min(p.length, pos + seg_m / 2)
                merged = spans.setdefault(i, [])
                if merged and a <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], b)
                else:
                    merged.append([a, b])
                break
            pos -= p.length
    strips = [shapely.ops.substring(parts[i], a, b) for i, merged in spans.items() for a, b in merged]
    return shapely.union_all(shapely.buffer(strips, plan.footprint_km * 1000))


@dataclass(frozen=True)
class Coverage:
    """Coverage of a zone and its line (percentages, km, posts, people)."""

    posts: np.ndarray  # metric points
    covered: BaseGeometry  # union of watched areas (metric)
    gaps: list[BaseGeometry]  # uncovered stretches of line, longest first (metric)
    zone_covered_pct: float
    line_covered_pct: float
    posts_for_full_line: int | None  # posts at this range/offset to watch every km of line
    staff: int
    airframes: int

    def gaps_km(self) -> list[float]:
        return [round(g.length / 1000, 2) for g in self.gaps]


def line_chord_km(range_km: float, offset_km: float = 0.0) -> float:
    """The stretch of line (km) one post watches: the chord 2·√(R² − d²) of its disc of radius R at d km from
    the line (0 when d ≥ R)."""
    return 2 * math.sqrt(range_km**2 - offset_km**2) if range_km > offset_km else 0.0


def default_spacing_km(range_km: float, offset_km: float = 0.0, lo_km: float = 1.0, hi_km: float = 60.0) -> float:
    """The spacing that a sensor's range suggests: posts one chord apart (``line_chord_km``) watch every km of
    a straight line, rounded down to 0.5 km and kept within [``lo_km``, ``hi_km``] (ground radar, 12 km: 24 km)."""
    return float(min(hi_km, max(lo_km, math.floor(line_chord_km(range_km, offset_km) * 2) / 2)))


def posts_for_full_line(front: Front, range_km: float, offset_km: float) -> int | None:
    """Posts needed so that every km of line is watched: each covers a chord 2*sqrt(R^2 - d^2)."""
    if range_km <= offset_km:
        return None
    chord_m = 2 * math.sqrt(range_km**2 - offset_km**2) * 1000
    return int(sum(max(1, math.ceil(p.length / chord_m - 1e-9)) for p in shapely.get_parts(front.frontline)))


@dataclass(frozen=True)
class Watched:
    """What posts and UAV orbits watch whatever the zone's width (metric): the area, and what of the
    line stays unwatched."""

    posts_m: np.ndarray  # the posts (metric points)
    covered: BaseGeometry  # union of the posts' discs and the UAV strips, prepared
    unwatched_line: BaseGeometry  # the frontline minus ``covered``, merged


def watched(front: Front, posts_m: np.ndarray, range_km: float, uav: UavPlan = UavPlan()) -> Watched:
    """The width-independent part of ``coverage`` (callers may keep it across zone widths: ``ui.cached``)."""
    discs = shapely.buffer(posts_m, range_km * 1000, quad_segs=16) if len(posts_m) else np.array([])
    covered = shapely.union_all(np.concatenate([discs, [uav_coverage(front, uav)]]))
    shapely.prepare(covered)
    return Watched(posts_m, covered, shapely.line_merge(shapely.difference(front.frontline, covered)))


def coverage(
    front: Front,
    zone: Zone,
    sensor: Sensor,
    posts_m: np.ndarray,
    offset_km: float,
    uav: UavPlan = UavPlan(),
    min_gap_m: float = 10.0,
    watch: Watched | None = None,
) -> Coverage:
    """Coverage of ``zone`` and of the frontline by posts (discs of the sensor range) and UAVs.
    ``watch``: ``watched(front, posts_m, sensor.range_km, uav)`` if already computed."""
    watch = watch or watched(front, posts_m, sensor.range_km, uav)
    covered, unwatched = watch.covered, watch.unwatched_line
    zone_geom = shapely.union(zone.occupied, zone.controlled)
    zone_area = float(crs.area_km2(zone_geom)) if not zone_geom.is_empty else 0.0
    zone_cov = float(crs.area_km2(shapely.intersection(zone_geom, covered))) if zone_area else 0.0
    parts = shapely.get_parts(unwatched)
    gaps = sorted((g for g in parts if g.length >= min_gap_m), key=lambda g: -g.length)
    line_cov = 1 - sum(g.length for g in parts) / front.frontline.length
    return Coverage(
        posts=posts_m,
        covered=covered,
        gaps=gaps,
        zone_covered_pct=round(100 * zone_cov / zone_area, 2) if zone_area else 0.0,
        line_covered_pct=round(100 * line_cov, 2),
        posts_for_full_line=posts_for_full_line(front, sensor.range_km, offset_km),
        staff=int(len(posts_m) * sensor.crew),
        airframes=uav.airframes,
    )


@dataclass(frozen=True)
class PostPlan:
    """Everything that decides what the posts watch, whatever the zone: the sensor (its range in km and crew
    per post), automatic posts every ``spacing_km`` at ``offset_km`` from the line on ``sides`` or the user's
    own posts (lon, lat), and the UAV orbits. A frozen value: a cache key that keeps a coverage and its map
    layer in step."""

    sensor_key: str
    range_km: float
    crew: int
    spacing_km: float
    offset_km: float
    sides: str = "both"
    uav_orbits: int = 0
    user_posts: tuple[tuple[float, float], ...] = ()

    def sensor(self) -> Sensor:
        return get_sensor(self.sensor_key, self.range_km, self.crew)

    def uav(self) -> UavPlan:
        return UavPlan(orbits=self.uav_orbits)

    def posts_m(self, front: Front) -> np.ndarray:
        """The posts (metric points): the user's if any, else the automatic layout along ``front``."""
        if self.user_posts:
            return user_posts_m([shapely.Point(p) for p in self.user_posts])
        return auto_posts(front, self.spacing_km, self.offset_km, self.sides)


def plan_watched(front: Front, plan: PostPlan) -> Watched:
    """``watched`` for a post plan."""
    return watched(front, plan.posts_m(front), plan.range_km, plan.uav())


def plan_coverage(front: Front, zone: Zone, plan: PostPlan, watch: Watched) -> Coverage:
    """``coverage`` of ``zone`` for a post plan whose ``plan_watched`` is ``watch``."""
    return coverage(front, zone, plan.sensor(), watch.posts_m, plan.offset_km, plan.uav(), watch=watch)


def check_posts_count(n: int) -> None:
    """Raise GisError if ``n`` user posts exceed MAX_POSTS."""
    if n > MAX_POSTS:
        raise GisError(
            f"{n:,} posts; the limit is {MAX_POSTS:,} (one every 270 m of the whole line). "
            "Thin them out, or use automatic posts with a spacing."
        )


def user_posts_m(points_ll: list[BaseGeometry]) -> np.ndarray:
    """User-placed posts (lon/lat Points or MultiPoints, already validated) as metric points (at most MAX_POSTS)."""
    pts = [p for g in points_ll for p in shapely.get_parts(g) if p.geom_type == "Point"]
    if not pts:
        raise GisError("No post points given.")
    check_posts_count(len(pts))
    return crs.to_metric(np.array(pts, dtype=object))


def posts_for_area(area_km2: float, range_km: float) -> int:
    """Posts needed to watch a whole area with discs of ``range_km`` in a hexagonal layout.

    Each disc then covers a hexagon of (3*sqrt(3)/2) R^2 km2 without gaps.
    """
    return math.ceil(area_km2 / (1.5 * math.sqrt(3) * range_km**2)) if area_km2 > 0 else 0
