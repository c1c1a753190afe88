"""The metric CRS keeps distance error under 1 % along the whole front (checked geodesically)."""

import numpy as np
import shapely
from pyproj import Geod

from gis import crs

GEOD = Geod(ellps="WGS84")


def test_distance_error_under_one_percent_along_front(front):
    line = front.frontline
    pts = [line.interpolate(f, normalized=True) for f in np.linspace(0, 1, 60)]
    worst = 0.0
    for p in pts:
        for angle in np.radians([0, 45, 90, 135]):
            q = shapely.Point(p.x + 25_000 * np.cos(angle), p.y + 25_000 * np.sin(angle))
            (lon1, lat1), (lon2, lat2) = shapely.get_coordinates(crs.to_wgs84(shapely.MultiPoint([p, q])))
            geodesic = GEOD.inv(lon1, lat1, lon2, lat2)[2]
            worst = max(worst, abs(geodesic - 25_000) / 25_000)
    assert worst < 0.01
    assert worst < 0.003  # in fact under 0.3 % (tmerc centred on the front)


def test_area_is_equal_area():
    # a 1 degree cell at 48N: geodesic area vs our equal-area measure
    cell = shapely.box(35, 48, 36, 49)
    geodesic = abs(GEOD.geometry_area_perimeter(cell)[0]) / 1e6
    ours = crs.area_km2(crs.to_metric(shapely.segmentize(cell, 0.01)))
    assert abs(ours - geodesic) / geodesic < 1e-4


def test_round_trip_transform():
    p = shapely.Point(37.55, 48.73)
    back = crs.to_wgs84(crs.to_metric(p))
    assert p.distance(back) < 1e-9


def test_transforms_from_new_threads_reuse_one_transformer():
    """Streamlit runs each rerun in a new thread; pyproj would re-create its transformer in each (~10 ms).
    Transforms from fresh threads give the main thread's result and make no new transformer."""
    from concurrent.futures import ThreadPoolExecutor

    p = shapely.Point(35.14, 47.51)  # Zaporizhzhia NPP
    expected = shapely.get_coordinates(crs.to_metric(p))
    made = len(crs._TRANSFORMERS)
    results = []
    for _ in range(3):  # three separate, short-lived threads
        with ThreadPoolExecutor(max_workers=1) as ex:
            results.append(ex.submit(lambda: shapely.get_coordinates(crs.to_metric(p))).result())
    assert all(np.array_equal(r, expected) for r in results)
    assert len(crs._TRANSFORMERS) == made


def test_transforms_work_in_a_forked_child():
    """The worker thread does not survive a fork; a child process gets its own."""
    import multiprocessing

    crs.to_metric(shapely.Point(35.0, 48.0))  # the parent's worker thread exists now
    with multiprocessing.get_context("fork").Pool(1) as pool:
        x, y = pool.apply_async(crs.metric_xy, ([35.5], [48.5])).get(timeout=60)
    assert abs(x[0]) < 1e-6 and abs(y[0]) < 1e-6  # the metric CRS's origin
