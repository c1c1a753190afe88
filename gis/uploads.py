"""Parse user GeoJSON safely: size, encoding, structure, CRS, geometry limits, validity, Ukraine.

Everything here raises ``GisError`` with a message for the user; nothing is
executed or written. The work any file can cause is bounded before any costly
geometry operation: bytes, features, vertices, parts, holes and self-crossings
are counted first (limits below, documented in docs/method.md "Limits on
uploads"), so every accepted file is analysed in seconds. Invalid-but-repairable
geometry is repaired (``make_valid(method="structure")``, near-linear) with a
notice; the part outside Ukraine is cut off with a notice saying how much, and
a file with almost nothing inside Ukraine is refused.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError, ProjError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from gis import GisError, crs, layers

# Limits (see docs/method.md, "Limits on uploads"). Measured on this project's 2-core machine, each keeps
# the worst shape it admits (a comb of 2 m teeth, edges criss-crossing) under ~10 s and ~0.5 GB;
# real files are far below them (a DeepStateMap snapshot has up to ~16,000 vertices).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # 20 MB, also Streamlit's server.maxUploadSize and add-snapshot's limit
MAX_FEATURES = 10_000
MAX_VERTICES = 30_000  # all features together
MAX_PARTS = 5_000  # polygons, lines or points, Multi* parts counted one by one
MAX_HOLES = 5_000
MAX_CROSSINGS = 5_000  # places where edges cross or overlap (within a ring, between rings or parts)
MAX_EDGE_PAIRS = 1_000_000  # edge pairs whose extents overlap, examined to count the crossings
MIN_INSIDE_SHARE = 0.10  # points and lines: at least this share must lie in Ukraine
MIN_INSIDE_KM2 = 1.0  # polygons: at least this area must lie in Ukraine (km2)
MAX_NUMBER_DIGITS = 30  # longer integers are read as floats (and then fail the lon/lat range check)

_GEOM_FAMILY = {
    "Point": "Point",
    "MultiPoint": "Point",
    "LineString": "LineString",
    "MultiLineString": "LineString",
    "Polygon": "Polygon",
    "MultiPolygon": "Polygon",
}
_FAMILY_WORD = {"Point": "points", "LineString": "lines", "Polygon": "polygons"}
_ADVICE = "Simplify it (e.g. QGIS Simplify or mapshaper, 100 m is plenty) or split it into several files."
_PAIR_CHUNK = 2_000_000  # at most this many edge pairs in memory at once while counting crossings


@dataclass
class Upload:
    """Parsed geometries (lon/lat, clipped to Ukraine), their family and what was done to them."""

    geometries: list[BaseGeometry]
    properties: list[dict]
    notices: list[str] = field(default_factory=list)
    repaired: bool = False
    family: str = "Polygon"

    def combined(self) -> BaseGeometry:
        """All features as one lon/lat geometry (see ``combine``)."""
        return combine(self.geometries, self.family)

    def metric(self) -> BaseGeometry:
        """All features as one METRIC_CRS geometry, long lon/lat edges densified first.

        Reprojection can make nearly touching polygon rings touch or cross: those are repaired again.
        """
        geom = crs.to_metric_densified(self.combined())
        if self.family == "Polygon" and not geom.is_valid:
            geom = _of_family(shapely.make_valid(geom, method="structure", keep_collapsed=False), "Polygon")
        return geom


# ----------------------------------------------------------------------------- decoding


def _parse_int(text: str) -> int | float:
    """JSON integers: long ones become floats (a 5,000-digit integer is inf, not a crash)."""
    return int(text) if len(text) <= MAX_NUMBER_DIGITS else float(text)


def _decode(data: bytes) -> dict:
    if len(data) > MAX_UPLOAD_BYTES:
        raise GisError(f"The file is {len(data) / 2**20:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB.")
    if not data.strip():
        raise GisError("The file is empty.")
    if data[:2] == b"PK":
        raise GisError("This looks like a zip archive (e.g. a zipped shapefile). Upload GeoJSON (.geojson) instead.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GisError("The file is not UTF-8 text. GeoJSON must be UTF-8 encoded (RFC 7946).") from None
    try:
        obj = json.loads(text, parse_constant=lambda c: float("nan"), parse_int=_parse_int)
    except (ValueError, RecursionError) as e:
        msg = getattr(e, "msg", "too deeply nested")
        raise GisError(
            f"The file is not valid JSON ({msg}{f', line {e.lineno}' if hasattr(e, 'lineno') else ''})."
        ) from None
    if not isinstance(obj, dict) or "type" not in obj:
        raise GisError("The file is JSON but not GeoJSON (no 'type' member).")
    return obj


def _raw_features(obj: dict) -> list[dict]:
    kind = obj.get("type")
    if not isinstance(kind, str):
        raise GisError("The GeoJSON 'type' member must be a text such as \"FeatureCollection\".")
    if kind == "FeatureCollection":
        feats = obj.get("features")
        if not isinstance(feats, list):
            raise GisError("The FeatureCollection has no 'features' list.")
    elif kind == "Feature":
        feats = [obj]
    elif kind in _GEOM_FAMILY or kind == "GeometryCollection":
        feats = [{"type": "Feature", "properties": {}, "geometry": obj}]
    else:
        raise GisError(f"Unsupported GeoJSON type {kind[:40]!r}.")
    if not feats:
        raise GisError("The file contains no features (empty FeatureCollection).")
    if len(feats) > MAX_FEATURES:
        raise GisError(
            f"The file has {len(feats):,} features; the limit is {MAX_FEATURES:,}. "
            "Merge or dissolve them, or split the file."
        )
    return feats


def _declared_crs(obj: dict) -> CRS | None:
    """The legacy GeoJSON 'crs' member, if it names something other than WGS84 lon/lat."""
    member = obj.get("crs")
    props = member.get("properties") if isinstance(member, dict) else None
    name = props.get("name") if isinstance(props, dict) else None
    if member is not None and not isinstance(name, str):
        raise GisError(
            'The file\'s \'crs\' member is not of the form {"type": "name", "properties": {"name": "EPSG:…"}}. '
            "Remove it and use WGS84 lon/lat (EPSG:4326)."
        )
    if not name or re.search(r"CRS84$|EPSG:+4326$", name):
        return None
    try:
        source = CRS.from_user_input(name[:2000])
    except CRSError:
        raise GisError(f"Unknown coordinate reference system {name[:60]!r}. Use WGS84 lon/lat (EPSG:4326).") from None
    try:
        convertible = (source.is_geographic or source.is_projected) and Transformer.from_crs(source, 4326) is not None
    except (CRSError, ProjError):
        convertible = False
    if not convertible:
        raise GisError(
            f"The coordinate reference system {name[:60]!r} cannot be converted to lon/lat (a local or "
            "engineering system). Use WGS84 lon/lat (EPSG:4326)."
        )
    return source


@dataclass
class _Tally:
    """Vertices, parts and holes counted while scanning the raw coordinates, before any geometry is built."""

    family: str
    vertices: int = 0
    parts: int = 0
    holes: int = 0

    def check(self) -> None:
        """Raise GisError naming the first limit exceeded and what to do."""
        if self.parts > MAX_PARTS:
            advice = (
                "Thin them out or split the file."
                if self.family == "Point"
                else "Dissolve or merge them (one outline per area), or split the file."
            )
            raise GisError(
                f"The file has {self.parts:,} separate {_FAMILY_WORD[self.family]}; the limit is "
                f"{MAX_PARTS:,}. {advice}"
            )
        if self.vertices > MAX_VERTICES:
            raise GisError(f"The file has {self.vertices:,} vertices; the limit is {MAX_VERTICES:,}. {_ADVICE}")
        if self.holes > MAX_HOLES:
            raise GisError(
                f"The polygons have {self.holes:,} holes; the limit is {MAX_HOLES:,}. "
                "Fill the small ones (e.g. QGIS Delete holes) or split the file."
            )


_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}


class _Malformed(GisError):
    """A coordinates array that is not GeoJSON (``_tally`` names the feature)."""


def _is_position(value) -> bool:
    """A GeoJSON position: an array of two or more numbers (RFC 7946 3.1.1), not an object, text or boolean."""
    return (
        isinstance(value, list)
        and len(value) >= 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    )


def _positions(coords, depth: int, tally: _Tally) -> None:
    """Count the positions of a coordinates array nested ``depth`` lists above them; check they are
    arrays of finite numbers (an object such as {"0": 37, "1": 48} would otherwise be read as (0, 1))."""
    if depth == 0:
        if not _is_position(coords):
            raise _Malformed(
                f"a position is {json.dumps(coords)[:40]}, not an array of numbers [longitude, latitude] (RFC 7946)"
            )
        if any(isinstance(v, float) and not math.isfinite(v) for v in coords):
            raise GisError("Some coordinates are NaN or infinite (or too large to be a number).")
        tally.vertices += 1
    elif isinstance(coords, list):
        for c in coords:
            _positions(c, depth - 1, tally)
    else:
        raise _Malformed(f"its coordinates hold {json.dumps(coords)[:40]} where an array belongs (RFC 7946)")


def _tally(feats: list, kinds: tuple[str, ...]) -> _Tally:
    """Count the raw features' vertices, parts and holes (named after the first family in ``kinds`` found)."""
    types = [
        f["geometry"].get("type") for f in feats[:100] if isinstance(f, dict) and isinstance(f.get("geometry"), dict)
    ]
    found = [_GEOM_FAMILY[t] for t in types if isinstance(t, str) and _GEOM_FAMILY.get(t) in kinds]
    tally = _Tally(found[0] if found else kinds[0])
    for i, f in enumerate(feats):
        try:
            _scan(f.get("geometry") if isinstance(f, dict) else None, tally)
        except _Malformed as e:
            raise GisError(f"Feature {i + 1} has a malformed geometry: {e}. Re-export the file as GeoJSON.") from None
    return tally


def _scan(geom, tally: _Tally, nesting: int = 0) -> None:
    """Tally a raw GeoJSON geometry's vertices, parts and holes (GeometryCollections nested at most twice)."""
    if not isinstance(geom, dict):
        return
    if nesting > 2:
        raise GisError("GeometryCollections are nested more than twice; flatten them.")
    kind = geom.get("type")
    coords = geom.get("coordinates")
    if kind == "GeometryCollection" and isinstance(geom.get("geometries"), list):
        for g in geom["geometries"]:
            _scan(g, tally, nesting + 1)
    elif isinstance(kind, str) and kind in _DEPTH and isinstance(coords, list):
        _positions(coords, _DEPTH[kind], tally)
        tally.parts += len(coords) if kind.startswith("Multi") else 1
        if kind == "Polygon":
            tally.holes += max(0, len(coords) - 1)
        elif kind == "MultiPolygon":
            tally.holes += sum(max(0, len(p) - 1) for p in coords if isinstance(p, list))


def _to_geometry(raw: dict, i: int) -> BaseGeometry | None:
    geom = raw.get("geometry") if isinstance(raw, dict) else None
    if geom is None:
        return None
    try:
        g = shape(geom)
    except Exception:  # shapely raises many kinds for malformed coordinates
        raise GisError(f"Feature {i + 1} has a malformed geometry.") from None
    return shapely.force_2d(g)


def _check_coords(geoms: list[BaseGeometry]) -> None:
    coords = shapely.get_coordinates(geoms)
    if not np.isfinite(coords).all():
        raise GisError("Some coordinates are NaN or infinite (or too large to be a number).")
    lon, lat = coords[:, 0], coords[:, 1]
    if (np.abs(lon) > 180).any() or (np.abs(lat) > 90).any():
        raise GisError(
            "Coordinates are outside lon/lat range: the file looks projected (metres). "
            "Re-export it as WGS84 lon/lat (EPSG:4326) or declare its CRS."
        )


# ----------------------------------------------------------------------------- limits


def _edges(geoms: list[BaseGeometry]) -> np.ndarray:
    """Every non-degenerate edge of the lines and polygon rings, as an (n, 2, 2) array."""
    parts = shapely.get_parts(np.array(geoms, dtype=object))
    polys = shapely.get_type_id(parts) == 3
    chains = np.concatenate([parts[~polys], shapely.get_rings(parts[polys])]) if polys.any() else parts
    xy, idx = shapely.get_coordinates(chains, return_index=True)
    same = idx[:-1] == idx[1:]
    edges = np.stack([xy[:-1][same], xy[1:][same]], axis=1)
    return edges[(edges[:, 0] != edges[:, 1]).any(axis=1)]


def _orient(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Sign of the turn p -> q -> r (+1 left, -1 right, 0 collinear), row by row."""
    return np.sign((q[:, 0] - p[:, 0]) * (r[:, 1] - p[:, 1]) - (q[:, 1] - p[:, 1]) * (r[:, 0] - p[:, 0]))


def _segments_meet(ea: np.ndarray, eb: np.ndarray) -> np.ndarray:
    """Whether segments ea[i] and eb[i] (with overlapping extents) share a point (vectorised)."""
    a0, a1, b0, b1 = ea[:, 0], ea[:, 1], eb[:, 0], eb[:, 1]
    d1, d2, d3, d4 = _orient(b0, b1, a0), _orient(b0, b1, a1), _orient(a0, a1, b0), _orient(a0, a1, b1)
    # opposite sides (or touching) both ways; all-collinear pairs meet because their extents overlap
    return (d1 * d2 <= 0) & (d3 * d4 <= 0)


def count_crossings(geoms: list[BaseGeometry], limit: int = MAX_CROSSINGS, max_pairs: int = MAX_EDGE_PAIRS) -> int:
    """Places where two edges cross or overlap, counted up to just over ``limit``.

    Edges meeting only at one shared end point (consecutive edges, touching
    parts) do not count. The work is bounded: candidate pairs (edges whose
    extents overlap, from an STRtree) come in chunks of at most ``_PAIR_CHUNK``
    and at most ``max_pairs`` in all, else GisError (a shape too intricate to
    analyse quickly). Returns ``limit + 1`` or more when there are more.
    """
    edges = _edges(geoms)
    n = len(edges)
    if n < 2:
        return 0
    segs = shapely.linestrings(edges)
    tree = shapely.STRtree(segs)
    cap = max(1, _PAIR_CHUNK // n)  # even if every edge met every other, a chunk stays in memory
    chunk, start, count, pairs = min(16, cap), 0, 0, 0
    while start < n:
        a, b = tree.query(segs[start : start + chunk])
        a = a + start
        keep = b > a
        a, b = a[keep], b[keep]
        pairs += len(a)
        if pairs > max_pairs:
            raise GisError(
                f"The shape is too intricate to analyse quickly: its {n:,} edges overlap each other's extent "
                f"more than {max_pairs:,} times (long edges criss-crossing, or many parts stacked). {_ADVICE}"
            )
        ea, eb = edges[a], edges[b]
        shared = sum((ea[:, i] == eb[:, j]).all(axis=1).astype(int) for i in (0, 1) for j in (0, 1))
        count += int((_segments_meet(ea, eb) & (shared != 1)).sum())  # one shared end: neighbours, touching parts
        if count > limit:
            return count
        start += chunk
        chunk = min(cap, chunk * 2) if len(a) < _PAIR_CHUNK // 8 else chunk
    return count


def check_crossings(geoms: list[BaseGeometry], family: str) -> None:
    """Raise GisError if lines or polygon edges cross themselves or each other more than MAX_CROSSINGS times."""
    if family == "Point":
        return
    if count_crossings(geoms) > MAX_CROSSINGS:
        what = (
            "line crosses or overlaps itself"
            if family == "LineString"
            else "polygon's edges cross or overlap each other"
        )
        raise GisError(
            f"The {what} at more than {MAX_CROSSINGS:,} places, the limit (repairing costs grow with the square "
            "of the crossings). Redraw it without self-crossings, or dissolve its overlapping parts."
        )


def _of_family(geom: BaseGeometry, family: str) -> BaseGeometry:
    """The parts of a valid geometry that belong to ``family`` (drops points and lines left by a repair or a clip)."""
    parts = [p for p in shapely.get_parts(geom) if _GEOM_FAMILY.get(p.geom_type) == family]
    if not parts:
        return shapely.GeometryCollection()
    if len(parts) == 1:
        return parts[0]
    return {"Point": shapely.multipoints, "LineString": shapely.multilinestrings, "Polygon": shapely.multipolygons}[
        family
    ](parts)


def _repair(geoms: list[BaseGeometry], family: str, notices: list[str]) -> tuple[list[BaseGeometry], bool]:
    """Repair invalid geometries (near-linear 'structure' method for polygons); keep the family's parts."""
    repaired = False
    out = []
    for i, g in enumerate(geoms):
        if not g.is_valid:
            reason = shapely.is_valid_reason(g)
            fixed = (
                shapely.make_valid(g, method="structure", keep_collapsed=False)
                if family == "Polygon"
                else shapely.make_valid(g)
            )
            g = _of_family(fixed, family)
            repaired = True
            notices.append(f"Feature {i + 1} was invalid ({reason[:80]}) and was repaired.")
        if not g.is_empty:
            out.append(g)
    return out, repaired


def combine(geoms: list[BaseGeometry], family: str) -> BaseGeometry:
    """One lon/lat geometry from valid features of one family, without quadratic work.

    Polygons are dissolved (``coverage_union_all`` when they form a valid
    coverage, else ``union_all``); lines are kept as a MultiLineString, not
    noded at their crossings; points become a MultiPoint.
    """
    parts = shapely.get_parts(np.array(geoms, dtype=object))
    if family == "Point":
        return shapely.multipoints(parts)
    if family == "LineString":
        return shapely.multilinestrings(parts)
    if len(parts) == 1:
        return parts[0]
    if bool(shapely.coverage_is_valid(parts)):
        return shapely.coverage_union_all(parts)
    return shapely.union_all(parts)


def _amount(geom: BaseGeometry, family: str) -> float:
    """How much there is: points (count), lines (geodesic km), polygons (km2, any extent)."""
    if geom.is_empty:
        return 0.0
    if family == "Point":
        return float(shapely.get_num_geometries(geom))
    if family == "LineString":
        return Geod(ellps="WGS84").geometry_length(geom) / 1e3
    return crs.area_km2_lonlat(geom)


CLIP_MARGIN_DEG = 0.1  # polygons are cut to Ukraine's bounding box plus this margin (degrees)


def clip_to_ukraine(geom: BaseGeometry, family: str) -> tuple[BaseGeometry, str | None]:
    """The part of a combined lon/lat geometry that matters for Ukraine, and a notice of what was cut off.

    Points and lines are cut to Ukraine's outline. Polygons are cut to
    Ukraine's bounding box (plus CLIP_MARGIN_DEG): the zone is later split by
    side within Ukraine (``zones.custom_zone``), and a second cut along the same
    border would only leave slivers. Edges are straight in lon/lat (RFC 7946),
    so the cut is exact in lon/lat; areas are measured on the ellipsoid.

    Raises GisError when (almost) nothing lies inside: no part at all, less than
    MIN_INSIDE_SHARE of the points or of the line length, or a polygon with
    less than MIN_INSIDE_KM2 inside Ukraine.
    """
    ua = layers.ukraine().geometry.values[0]
    shapely.prepare(ua)
    if not ua.intersects(geom):
        _raise_outside(geom, ua)
    if ua.contains(geom):
        return geom, None
    x0, y0, x1, y1 = ua.bounds
    near = _of_family(
        shapely.clip_by_rect(
            geom, x0 - CLIP_MARGIN_DEG, y0 - CLIP_MARGIN_DEG, x1 + CLIP_MARGIN_DEG, y1 + CLIP_MARGIN_DEG
        ),
        family,
    )
    inside = _of_family(shapely.intersection(near, ua), family)
    return _kept_part(family, near, inside, _amount(geom, family), _amount(inside, family))


def _kept_part(
    family: str, near: BaseGeometry, inside: BaseGeometry, total: float, kept: float
) -> tuple[BaseGeometry, str | None]:
    """``clip_to_ukraine``'s verdict on how much of a geometry of ``family`` lies inside Ukraine: ``total`` and
    ``kept`` are points, km of line or km² of polygon. Returns (geometry, notice) or raises GisError."""
    share = min(1.0, kept / total) if total > 0 else 0.0
    check = "check the file's coordinates ([longitude, latitude], WGS84)"
    if family == "Point":
        if share < MIN_INSIDE_SHARE:
            raise GisError(
                f"Only {kept:,.0f} of {total:,.0f} points lie{'s' if kept == 1 else ''} inside Ukraine "
                f"(at least {MIN_INSIDE_SHARE:.0%} must): {check}."
            )
        return (
            inside,
            f"{total - kept:,.0f} of {total:,.0f} points lie outside Ukraine and were left out."
            if kept < total
            else None,
        )
    if family == "LineString":
        if share < MIN_INSIDE_SHARE:
            raise GisError(
                f"Only {kept:,.1f} km of the line's {total:,.0f} km lies inside Ukraine (at least "
                f"{MIN_INSIDE_SHARE:.0%} must): {check}."
            )
        return inside, (
            f"{total - kept:,.1f} km of the line's {total:,.1f} km lie outside Ukraine and were cut off."
            if total - kept >= 0.05
            else None
        )
    if kept < MIN_INSIDE_KM2:
        raise GisError(
            f"Only {kept:,.2f} km² of the polygon's {total:,.0f} km² lies inside Ukraine (at least "
            f"{MIN_INSIDE_KM2:g} km² must): {check}."
        )
    return near, (
        f"{1 - share:.1%} of the polygon's {total:,.0f} km² lies outside Ukraine and is left out; "
        f"the {kept:,.0f} km² inside are analysed."
        if total - kept >= 0.5
        else None
    )


def _raise_outside(geom: BaseGeometry, ua: BaseGeometry) -> None:
    swapped = shapely.transform(geom, lambda xy: xy[:, ::-1])
    if ua.intersects(swapped):
        raise GisError(
            "The geometries lie outside Ukraine, but would fall inside it with lon and lat swapped: "
            "GeoJSON coordinates are [longitude, latitude]."
        )
    raise GisError("The geometries lie outside Ukraine.")


def check_in_ukraine(geoms: list[BaseGeometry]) -> None:
    """Raise GisError unless every lon/lat geometry touches Ukraine (hints at swapped lon/lat)."""
    ua = layers.ukraine().geometry.values[0]
    hits = shapely.intersects(np.array(geoms, dtype=object), ua)
    if hits.all():
        return
    if hits.any():
        raise GisError(f"{int((~hits).sum())} of {len(geoms)} geometries lie outside Ukraine.")
    _raise_outside(shapely.GeometryCollection(list(geoms)), ua)


# ----------------------------------------------------------------------------- entry points


def read_geojson_bytes(data: bytes, kinds: tuple[str, ...] = ("Point", "LineString", "Polygon")) -> Upload:
    """Parse GeoJSON bytes into lon/lat geometries of one allowed family, clipped to Ukraine.

    ``kinds`` are geometry families ("Point", "LineString", "Polygon"; Multi* count
    with their family). Raises GisError with a message for the user.
    """
    obj = _decode(data)
    source_crs = _declared_crs(obj)
    feats = _raw_features(obj)
    _tally(feats, kinds).check()
    notices: list[str] = []
    geoms, props, families = [], [], set()
    for i, raw in enumerate(feats):
        g = _to_geometry(raw, i)
        if g is None or g.is_empty:
            notices.append(f"Feature {i + 1} has an empty geometry and was skipped.")
            continue
        fam = {_GEOM_FAMILY.get(p.geom_type) for p in shapely.get_parts(g)}
        if not fam <= set(kinds):
            raise GisError(f"Feature {i + 1} is a {g.geom_type}; this upload takes {' or '.join(kinds)} geometries.")
        families |= fam
        geoms.append(g)
        props.append(raw.get("properties") or {} if isinstance(raw, dict) else {})
    if not geoms:
        raise GisError("The file has no non-empty geometry.")
    if len(families) > 1:
        raise GisError(
            f"The file mixes {' and '.join(sorted(_FAMILY_WORD[f] for f in families))}; upload one kind at a time."
        )
    family = families.pop()
    if source_crs is not None:
        tr = Transformer.from_crs(source_crs, 4326, always_xy=True)
        geoms = [shapely.transform(g, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))) for g in geoms]
        notices.append(f"Reprojected from {source_crs.name} to WGS84 lon/lat.")
    _check_coords(geoms)
    check_crossings(geoms, family)
    geoms, repaired = _repair(geoms, family, notices)
    if not geoms:
        raise GisError("Nothing is left of the file's geometries after repair (they have no area or length).")
    combined = combine(geoms, family)
    inside, notice = clip_to_ukraine(combined, family)
    if inside is not combined:  # something was cut off: one geometry from here on
        geoms, props = [inside], [{}]
    if notice:
        notices.append(notice)
    return Upload(geoms, props, notices, repaired, family)


def read_geojson_file(path: str | Path, kinds: tuple[str, ...] = ("Point", "LineString", "Polygon")) -> Upload:
    """``read_geojson_bytes`` of a file, refusing a missing or too large one before reading it."""
    path = Path(path)
    if not path.is_file():
        raise GisError(f"No such file: {path}.")
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise GisError(f"{path.name} is {size / 2**20:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 2**20} MB.")
    return read_geojson_bytes(path.read_bytes(), kinds=kinds)
