"""Command-line front end: ``python -m gis --help``.

Every command prints JSON (or writes GeoJSON); errors are one line on stderr
and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np

from gis import GisError, crs, export, layers, monitoring, present, reach, stats, zones
from gis.frontline import Front, custom_front
from gis.uploads import Upload, read_geojson_file
from gis.zones import Zone

BASE_LAYERS = (
    "frontline",
    "occupied",
    "oblasts",
    "ukraine",
    "greyzone",
    "infrastructure",
    "settlements",
    "korea_dmz",
    "pre2022_occupied",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2
        raise GisError(f"{self.prog}: {message}")


def _add_zone_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--width-km", type=float, required=False, help="total zone width W in km (0.5-150)")
    p.add_argument("--split", type=float, default=None, help="share of W on the occupied side, 0-1 (default 0.5)")
    p.add_argument("--date", default=None, help="snapshot date YYYY-MM-DD (default: latest)")
    p.add_argument("--proposal", default=None, help=f"preset: {', '.join(zones.PROPOSALS)} (sets width and split)")
    p.add_argument("--frontline", type=Path, default=None, help="GeoJSON LineString to use as a custom frontline")
    p.add_argument("--zone", type=Path, default=None, help="GeoJSON Polygon to analyse as a custom zone")


def _add_reach_parser(sub) -> None:
    p = sub.add_parser("reach", help="who and what stays within reach of each weapon class after the pull-back (JSON)")
    _add_zone_args(p)
    p.add_argument("--weapon", default=None, help=f"one class: {', '.join(reach.WEAPONS)} (default: all)")
    p.add_argument("--reach-km", type=float, default=None, help="its reach in km; alone: any weapon of this reach")
    p.add_argument("--border-pullback", action="store_true", help="Russian forces also pull back from the border")
    p.add_argument("--belarus", action="store_true", help="count Belarus's border with Ukraine as a position too")
    p.add_argument("--minsk", action="store_true", help="Minsk II lines: heavy weapons 25/35/70 km each side")
    p.add_argument("--max-towns", type=int, default=25, help="settlements listed per side (default 25)")


def _add_snapshot_parser(sub) -> None:
    """The add-snapshot command's arguments."""
    p = sub.add_parser("add-snapshot", help="add a newer occupied-territory GeoJSON to the history")
    p.add_argument("file", type=Path)
    p.add_argument("--date", required=True, help="snapshot date YYYY-MM-DD (not in the future)")
    p.add_argument(
        "--replace", action="store_true", help="replace an existing (shipped or added) snapshot of that date"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="store it even if it fails the plausibility checks (area, frontline length, parts, change from the "
        "nearest date); it is then never the default date",
    )


def _add_coverage_parser(sub) -> None:
    """The coverage command's arguments (the zone's, the sensor's and the posts')."""
    p = sub.add_parser("coverage", help="monitoring coverage of the zone and the line as JSON")
    _add_zone_args(p)
    p.add_argument("--sensor", default="camera", help=f"sensor type: {', '.join(monitoring.SENSORS)} (default camera)")
    p.add_argument("--range-km", type=float, default=None, help="override the sensor's range (km)")
    p.add_argument("--crew", type=int, default=None, help="people per post (default: the sensor's)")
    p.add_argument(
        "--spacing-km", type=float, default=8.0, help="distance between posts along the line (km, default 8)"
    )
    p.add_argument("--offset-km", type=float, default=0.0, help="posts this far from the line (km; 0 = on the line)")
    p.add_argument(
        "--sides", choices=monitoring.SIDE_CHOICES, default="both", help="sides to place posts on when offset > 0"
    )
    p.add_argument(
        "--uav-orbits",
        type=int,
        default=0,
        help=f"continuous long-endurance UAV orbits (default 0, at most {monitoring.MAX_UAV_ORBITS})",
    )
    p.add_argument(
        "--posts", type=Path, default=None, help="GeoJSON Points: user-placed posts (replace the automatic ones)"
    )
    p.add_argument("--out", type=Path, default=None, help="write posts, coverage and gaps as GeoJSON")


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(
        prog="python -m gis",
        description="Frontline Freeze Explorer: zones, population and layers from the command line.",
    )
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("stats", help="zone statistics as JSON")
    _add_zone_args(p)
    p.add_argument("--max-towns", type=int, default=25, help="settlements listed (default 25)")
    p = sub.add_parser("zones", help="write the zone (both sides) as GeoJSON")
    _add_zone_args(p)
    p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("layer", help="write a base layer as GeoJSON")
    p.add_argument("name", choices=BASE_LAYERS)
    p.add_argument("--date", default=None)
    p.add_argument("--out", type=Path, required=True)
    sub.add_parser("proposals", help="list the zone presets")
    sub.add_parser("dates", help="list the snapshot dates")
    _add_snapshot_parser(sub)
    _add_coverage_parser(sub)
    p = sub.add_parser("population-curve", help="population vs total width 1-50 km")
    p.add_argument("--split", type=float, default=0.5)
    p.add_argument("--date", default=None)
    p.add_argument("--format", choices=("json", "csv"), default="json")
    _add_reach_parser(sub)
    p = sub.add_parser("brief", help="scenario brief: a two-page PDF and/or the map alone as PNG (slides)")
    _add_zone_args(p)
    p.add_argument("--out", type=Path, default=None, help="write the brief as PDF here")
    p.add_argument("--png", type=Path, default=None, help="write the map alone as PNG (1920x1080) here")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"), default=None, help="compare two proposals on one map")
    return ap


def _read_upload(path: Path, kinds: tuple[str, ...]) -> Upload:
    up = read_geojson_file(path, kinds=kinds)
    for n in up.notices:
        print(f"notice: {_one_line(n)}", file=sys.stderr)
    return up


def resolve_zone(args) -> tuple[Front, Zone, str | None]:
    """(front, zone, proposal key) from the common zone arguments: the date's line or ``--frontline``'s,
    a width/split or preset zone along it or ``--zone``'s polygon."""
    front = layers.front(layers.check_date(args.date))
    if args.frontline is not None:
        up = _read_upload(args.frontline, ("LineString",))
        front = custom_front(front, up.metric(), label=args.frontline.name)
    if args.zone is not None:
        up = _read_upload(args.zone, ("Polygon",))
        return front, zones.custom_zone(front, up.metric(), name=args.zone.name), None
    width, split = args.width_km, args.split
    if args.proposal is not None:
        prop = zones.get_proposal(args.proposal)
        width = prop.width_km if width is None else width
        split = prop.split if split is None else split
    if width is None:
        raise GisError("Give --width-km W (km) or --proposal NAME.")
    return front, zones.make_zone(front, width, 0.5 if split is None else split), args.proposal


def json_safe(obj):
    """A JSON-ready copy: NaN and infinities become None (null), numpy scalars Python numbers."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _print(obj) -> None:
    """Print valid JSON (RFC 8259: no NaN)."""
    print(json.dumps(json_safe(obj), indent=2, ensure_ascii=False, allow_nan=False, default=str))


def _one_line(e: object, limit: int = 600) -> str:
    return " ".join(str(e).split())[:limit]


def cmd_stats(args) -> None:
    front, zone, proposal = resolve_zone(args)
    analysis = stats.analyse(front, zone, stats.population_index(front))
    figures = present.zone_figures(front, zone, analysis, present.zone_label(zone, front, proposal))
    _print(present.report(figures, proposal, max_towns=args.max_towns))


def cmd_zones(args) -> None:
    front, zone, proposal = resolve_zone(args)
    people = stats.analyse(front, zone, stats.population_index(front)).population
    fc = export.feature_collection(
        export.zone_features(zone, proposal, people=people),
        attribution=layers.ATTRIBUTION,
        population_note=present.PRE_WAR_NOTE,
    )
    export.write_geojson(fc, args.out)
    _print({"out": str(args.out), "features": len(fc["features"]), "zone_km2": round(zone.area_km2, 1)})


def base_layer(name: str, date: str | None):
    """A base layer as a lon/lat GeoDataFrame."""
    if name == "frontline":
        f = layers.front(layers.check_date(date))
        return gpd.GeoDataFrame(
            {"date": [f.date], "length_km": [round(float(crs.length_km(f.frontline)), 1)]},
            geometry=[crs.to_wgs84(f.frontline)],
            crs="EPSG:4326",
        )
    if name == "occupied":
        return layers.occupied(date)[["date", "source", "geometry"]]
    return getattr(layers, name)()


def cmd_layer(args) -> None:
    gdf = base_layer(args.name, args.date)
    fc = export.feature_collection(export.gdf_features(gdf, args.name), attribution=layers.ATTRIBUTION)
    export.write_geojson(fc, args.out)
    _print({"out": str(args.out), "features": len(fc["features"])})


def cmd_proposals(args) -> None:
    _print({"note": zones.MODELLED_NOTE, "proposals": [p.__dict__ for p in zones.PROPOSALS.values()]})


def cmd_dates(args) -> None:
    _print(layers.dates())


def cmd_add_snapshot(args) -> None:
    from gis.snapshots import add_snapshot

    _print(add_snapshot(args.file, args.date, replace=args.replace, force=args.force))


def cmd_coverage(args) -> None:
    front, zone, _ = resolve_zone(args)
    sensor = monitoring.get_sensor(args.sensor, args.range_km, args.crew)
    if args.posts is not None:
        posts = monitoring.user_posts_m(_read_upload(args.posts, ("Point",)).geometries)
    else:
        posts = monitoring.auto_posts(front, args.spacing_km, args.offset_km, args.sides)
    uav = monitoring.UavPlan(orbits=args.uav_orbits)
    cov = monitoring.coverage(front, zone, sensor, posts, args.offset_km, uav)
    report = {
        "date": front.date,
        "width_km": zone.width_km,
        "split": zone.split,
        "sensor": sensor.__dict__,
        "spacing_km": args.spacing_km if args.posts is None else None,
        "offset_km": args.offset_km,
        "posts": len(posts),
        "posts_for_full_line": cov.posts_for_full_line,
        "staff": cov.staff,
        "uav_orbits": uav.orbits,
        "uav_airframes": cov.airframes,
        "zone_covered_pct": cov.zone_covered_pct,
        "line_covered_pct": cov.line_covered_pct,
        "gaps_km": cov.gaps_km(),
        "gaps_total_km": round(sum(cov.gaps_km()), 2),
        "satellites": monitoring.SATELLITE_NOTE,
    }
    if args.out is not None:
        export.write_geojson(
            export.feature_collection(export.coverage_features(cov), attribution=layers.ATTRIBUTION), args.out
        )
        report["out"] = str(args.out)
    _print(report)


def _weapons(args) -> list[reach.Weapon]:
    """The classes asked for: one (``--weapon``, its reach changed by ``--reach-km``), any weapon of
    ``--reach-km``, or all."""
    if args.weapon is not None:
        return [reach.get_weapon(args.weapon, args.reach_km)]
    if args.reach_km is not None:
        return [reach.any_weapon(args.reach_km)]
    return list(reach.WEAPONS.values())


def cmd_reach(args) -> None:
    if args.zone is not None:
        raise GisError("reach needs a zone of a width and split (--width-km or --proposal), not --zone.")
    front, zone, proposal = resolve_zone(args)
    rindex = reach.ReachIndex(front, stats.population_index(front))
    options = reach.ReachOptions(args.border_pullback, args.belarus, args.minsk)
    results = [reach.weapon_reach(rindex, zone, w, options) for w in _weapons(args)]
    _print(present.reach_report(zone, proposal, options, results, max_towns=args.max_towns))


def cmd_population_curve(args) -> None:
    _, split = zones.check_width_split(1.0, args.split)
    date = layers.check_date(args.date)
    curve = stats.population_index(layers.front(date)).curve(split).round(0)
    if args.format == "csv":
        sys.stdout.write(curve.to_csv(index=False))
    else:
        _print(
            {"date": date, "split": split, "unit": "people (pre-war 2022 residents)", "curve": curve.to_dict("records")}
        )


def _brief_items(args) -> tuple:
    """(front, [BriefZone]) for ``python -m gis brief``: one zone from the zone arguments, or two proposals."""
    from gis import brief

    if args.compare:
        if any(v is not None for v in (args.width_km, args.split, args.proposal, args.zone, args.frontline)):
            raise GisError(
                "--compare A B takes two proposal names and optionally --date; leave out the other zone options."
            )
        keys = [zones.get_proposal(key).key for key in args.compare]  # unknown names fail before any work
        front = layers.front(layers.check_date(args.date))
        index = stats.population_index(front)
        items = [brief.proposal_zone(front, key, index) for key in keys]
    else:
        front, zone, proposal = resolve_zone(args)
        index = stats.population_index(front)
        items = [brief.BriefZone(present.zone_label(zone, front, proposal), zone, stats.analyse(front, zone, index))]
    if items[0].zone.custom:
        return front, items
    rindex = reach.ReachIndex(front, index)  # the reach table: every class at its default figure
    return front, [replace(i, within_reach=_default_reach(rindex, i.zone)) for i in items]


def _default_reach(rindex: reach.ReachIndex, zone: Zone) -> tuple[reach.WeaponReach, ...]:
    return tuple(reach.weapon_reach(rindex, zone, w, reach.ReachOptions(), lists=False) for w in reach.DEFAULT_WEAPONS)


def cmd_brief(args) -> None:
    """Write the scenario brief (PDF) and/or its map alone (PNG); matplotlib is imported only here."""
    from gis import brief

    if args.out is None and args.png is None:
        raise GisError("Give --out BRIEF.pdf and/or --png MAP.png.")
    for path in (args.out, args.png):
        if path is not None and not path.parent.is_dir():
            raise GisError(f"Cannot write {path}: no folder {path.parent}.")
    front, items = _brief_items(args)
    report = {"date": front.date, "zones": [i.label for i in items]}
    for key, path, render in (("out", args.out, brief.brief_pdf), ("png", args.png, brief.map_png)):
        if path is not None:
            data = render(front, items)
            try:
                path.write_bytes(data)
            except OSError as e:
                raise GisError(f"Cannot write {path}: {e.strerror or e}.") from None
            report[key], report[f"{key}_bytes"] = str(path), len(data)
    _print(report)


COMMANDS = {
    "stats": cmd_stats,
    "zones": cmd_zones,
    "layer": cmd_layer,
    "proposals": cmd_proposals,
    "dates": cmd_dates,
    "coverage": cmd_coverage,
    "add-snapshot": cmd_add_snapshot,
    "population-curve": cmd_population_curve,
    "reach": cmd_reach,
    "brief": cmd_brief,
}


def _stdout_closed() -> int:
    """Exit quietly when stdout's reader has closed the pipe: point stdout at /dev/null so the interpreter's
    final flush does not fail again, and return 141 (128 + SIGPIPE), as a shell tool killed by SIGPIPE would."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (e.g. captured in a test)
        pass
    finally:
        os.close(devnull)
    return 141


def main(argv: list[str] | None = None) -> int:
    """Run one command. Every error, expected or not, is one line on stderr and exit code 2."""
    try:
        args = build_parser().parse_args(argv)
        for n in layers.user_snapshot_notices():
            print(f"notice: {_one_line(n)}", file=sys.stderr)
        COMMANDS[args.command](args)
        sys.stdout.flush()  # here, not at exit, so a closed pipe is caught below
    except GisError as e:
        print(f"error: {_one_line(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader of our output has gone (`... | head`): not an error of the input
        return _stdout_closed()
    except Exception as e:  # the error boundary: never a traceback
        print(
            f"error: unexpected {type(e).__name__} ({_one_line(e, 200)}); please report it with the "
            "input that caused it.",
            file=sys.stderr,
        )
        return 2
    return 0
