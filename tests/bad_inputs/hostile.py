"""Hostile uploads generated at test time: small or valid files that are expensive,
crash a naive parser, or give wrong answers without care.

Every function returns the bytes of a GeoJSON file. Shapes are synthetic attack
patterns (random with a fixed seed), placed with Ukraine's own bounding box and
the corpus' valid zone/line, never hand-typed places. Big ones are made here,
not committed.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent


@lru_cache(maxsize=1)
def ukraine_bounds() -> tuple[float, float, float, float]:
    """Ukraine's lon/lat bounding box from the shipped outline."""
    from gis import layers

    return tuple(float(v) for v in layers.ukraine().total_bounds)


def _inner_box() -> tuple[float, float, float, float]:
    """The corpus' valid zone box (near Pokrovsk, inside Ukraine)."""
    ring = json.loads((HERE / "valid_zone.geojson").read_text())["features"][0]["geometry"]["coordinates"][0]
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def _fc(*geoms: dict, **extra) -> bytes:
    feats = [{"type": "Feature", "properties": {}, "geometry": g} for g in geoms]
    return json.dumps({"type": "FeatureCollection", **extra, "features": feats}).encode()


def _rng(seed: int = 11) -> np.random.Generator:
    return np.random.default_rng(seed)


def _random_points(n: int, box: tuple[float, float, float, float], seed: int = 11) -> list[list[float]]:
    x0, y0, x1, y1 = box
    r = _rng(seed)
    return np.column_stack([r.uniform(x0, x1, n), r.uniform(y0, y1, n)]).round(5).tolist()


def self_crossing_polygon(n: int) -> bytes:
    """One ring through ``n`` random vertices in the inner box: ~n^2/10 self-crossings."""
    pts = _random_points(n, _inner_box())
    return _fc({"type": "Polygon", "coordinates": [[*pts, pts[0]]]})


def random_line(n: int) -> bytes:
    """A line through ``n`` random points across Ukraine's box: every segment crosses many others."""
    x0, y0, x1, y1 = ukraine_bounds()
    pad_x, pad_y = (x1 - x0) / 4, (y1 - y0) / 4
    return _fc(
        {"type": "LineString", "coordinates": _random_points(n, (x0 + pad_x, y0 + pad_y, x1 - pad_x, y1 - pad_y))}
    )


def random_line_in_box(n: int) -> bytes:
    """A line through ``n`` random points in the inner box (short, self-crossing ~n^2/10 times)."""
    return _fc({"type": "LineString", "coordinates": _random_points(n, _inner_box())})


def short_lines(n: int) -> bytes:
    """A MultiLineString of ``n`` short disjoint lines in the inner box."""
    pts = _random_points(n, _inner_box())
    return _fc({"type": "MultiLineString", "coordinates": [[p, [p[0] + 0.001, p[1] + 0.001]] for p in pts]})


def zigzag_line(n: int) -> bytes:
    """A Z-shaped line of ``n`` points swinging west-east across Ukraine's box (no crossings, long segments)."""
    x0, y0, x1, y1 = ukraine_bounds()
    ys = np.linspace(y0 + 1, y1 - 1, n)
    xs = np.where(np.arange(n) % 2, x1 - 2, x0 + 2)
    return _fc({"type": "LineString", "coordinates": np.column_stack([xs, ys]).round(5).tolist()})


def overlapping_squares(n: int, side_deg: float = 0.05) -> bytes:
    """A MultiPolygon of ``n`` random squares in the inner box, heavily overlapping."""
    polys = [
        [[[x, y], [x + side_deg, y], [x + side_deg, y + side_deg], [x, y + side_deg], [x, y]]]
        for x, y in _random_points(n, _inner_box())
    ]
    return _fc({"type": "MultiPolygon", "coordinates": polys})


def disjoint_squares(n: int) -> bytes:
    """A MultiPolygon of ``n`` small disjoint squares on a grid in the inner box."""
    x0, y0, x1, y1 = _inner_box()
    k = int(np.ceil(np.sqrt(n)))
    step = min(x1 - x0, y1 - y0) / k
    s = step / 3
    polys = [
        [
            [
                [x0 + i * step, y0 + j * step],
                [x0 + i * step + s, y0 + j * step],
                [x0 + i * step + s, y0 + j * step + s],
                [x0 + i * step, y0 + j * step + s],
                [x0 + i * step, y0 + j * step],
            ]
        ]
        for i in range(k)
        for j in range(k)
    ][:n]
    return _fc({"type": "MultiPolygon", "coordinates": polys})


def comb(n: int, rotated: bool = False) -> bytes:
    """A valid comb polygon of about ``n`` vertices (n/4 teeth) over the inner box; optionally sheared 45°."""
    x0, y0, x1, y1 = _inner_box()
    teeth = max(1, n // 4)
    xs = np.linspace(x0, x1, 2 * teeth + 1)
    top = []
    for t in range(teeth):
        a, b = xs[2 * t], xs[2 * t + 1]
        top += [[a, y1], [b, y1], [b, y0 + 0.1 * (y1 - y0)], [xs[2 * t + 2], y0 + 0.1 * (y1 - y0)]]
    ring = [[x0, y0], *top, [x1, y0], [x0, y0]]
    arr = np.array(ring)
    if rotated:  # shear: every tooth's bounding box overlaps its neighbours'
        arr[:, 0] += (arr[:, 1] - y0) * (x1 - x0) / (y1 - y0)
    return _fc({"type": "Polygon", "coordinates": [arr.round(6).tolist()]})


def polygon_with_holes(n: int) -> bytes:
    """The inner box with ``n`` tiny square holes."""
    x0, y0, x1, y1 = _inner_box()
    k = int(np.ceil(np.sqrt(n)))
    step = min(x1 - x0, y1 - y0) / (k + 1)
    s = step / 3
    holes = [
        [
            [x0 + i * step, y0 + j * step],
            [x0 + i * step, y0 + j * step + s],
            [x0 + i * step + s, y0 + j * step + s],
            [x0 + i * step + s, y0 + j * step],
            [x0 + i * step, y0 + j * step],
        ]
        for i in range(1, k + 1)
        for j in range(1, k + 1)
    ][:n]
    shell = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return _fc({"type": "Polygon", "coordinates": [shell, *holes]})


def wiggly_line(n: int, amplitude_deg: float = 0.002) -> bytes:
    """An ``n``-point line along the corpus' valid line with a fine wiggle (honest but dense)."""
    ref = np.array(json.loads((HERE / "valid_line.geojson").read_text())["features"][0]["geometry"]["coordinates"])
    t = np.linspace(0, len(ref) - 1, n)
    xs = np.interp(t, np.arange(len(ref)), ref[:, 0])
    ys = np.interp(t, np.arange(len(ref)), ref[:, 1]) + amplitude_deg * np.where(np.arange(n) % 2, 1, -1)
    return _fc({"type": "LineString", "coordinates": np.column_stack([xs, ys]).round(5).tolist()})


def repeated_line(n: int, times: int) -> bytes:
    """The same ``n``-point wiggly line as ``times`` features."""
    g = json.loads(wiggly_line(n))["features"][0]["geometry"]
    return _fc(*[g] * times)


def real_occupied_zone() -> bytes:
    """The shipped occupied territory of the latest date as a zone (an honest ~10,000-vertex polygon)."""
    import shapely

    from gis import layers

    return _fc(json.loads(shapely.to_geojson(layers.occupied(layers.DATA_DATE).geometry.values[0])))


def many_posts(n: int) -> bytes:
    """``n`` post points in the inner box."""
    return _fc({"type": "MultiPoint", "coordinates": _random_points(n, _inner_box())})


def posts_mostly_outside(inside: int = 1, outside: int = 999) -> bytes:
    """``inside`` posts in the inner box and ``outside`` far away (the same box shifted 60° west)."""
    x0, y0, x1, y1 = _inner_box()
    pts = _random_points(inside, (x0, y0, x1, y1)) + _random_points(outside, (x0 - 60, y0, x1 - 60, y1), seed=12)
    return _fc({"type": "MultiPoint", "coordinates": pts})


def line_mostly_outside() -> bytes:
    """A MultiLineString: a 70 m piece in the inner box and a ~3,400 km piece across South America."""
    x0, y0, _, _ = _inner_box()
    start = [x0 + 0.3, y0 + 0.3]
    return _fc(
        {
            "type": "MultiLineString",
            "coordinates": [[start, [start[0] + 0.00095, start[1]]], [[-70.0, -5.0], [-45.0, -20.0]]],
        }
    )


def whole_world() -> bytes:
    return _fc({"type": "Polygon", "coordinates": [[[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]]})


def pole_to_pole_strip(west: float = 36.0, east: float = 38.0) -> bytes:
    """A 2°-wide strip from the south to the north pole: four corners, edges 180° long."""
    return _fc({"type": "Polygon", "coordinates": [[[west, -90], [east, -90], [east, 90], [west, 90], [west, -90]]]})


def huge_integer(digits: int) -> bytes:
    """A valid polygon whose first coordinate is an integer written with ``digits`` digits."""
    text = _fc(json.loads((HERE / "valid_zone.geojson").read_text())["features"][0]["geometry"]).decode()
    return text.replace("[[[", "[[[" + "9" * digits + ", 0], [", 1).encode()


def crs_properties(value) -> bytes:
    """The valid zone with a legacy 'crs' member whose properties are ``value`` (a list, a string...)."""
    g = json.loads((HERE / "valid_zone.geojson").read_text())["features"][0]["geometry"]
    return _fc(g, crs={"type": "name", "properties": value})


LOCAL_CS = (
    'LOCAL_CS["Site grid",LOCAL_DATUM["Arbitrary",0],UNIT["metre",1],AXIS["Easting",EAST],AXIS["Northing",NORTH]]'
)


def engineering_crs() -> bytes:
    """The valid zone declared in an engineering (LOCAL_CS) CRS, which cannot be transformed to lon/lat."""
    return crs_properties({"name": LOCAL_CS})


def type_as_list() -> bytes:
    return json.dumps({"type": ["Polygon"], "coordinates": []}).encode()


def markdown_in_content() -> bytes:
    """A GeoJSON whose unsupported type is a Markdown link and image (echoed in the error)."""
    return json.dumps({"type": "[Log in again](https://ev.il) ![](https://ev.il/t.gif)"}).encode()


def nested_collections(depth: int = 4) -> bytes:
    """A point wrapped in ``depth`` GeometryCollections (each level could hide uncounted vertices)."""
    g = {"type": "Point", "coordinates": list(_inner_box()[:2])}
    for _ in range(depth):
        g = {"type": "GeometryCollection", "geometries": [g]}
    return json.dumps(g).encode()
