"""The reach widgets and the Explorer's "Within reach after the pull-back" section: what a zone buys."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from gis import present, reach
from ui import cached, cached_reach, tables

ANY_WEAPON = "any"


@dataclass(frozen=True)
class ReachChoice:
    """The reader's reach settings: every class with its (edited) reach, the class shown on the map and in the
    lists, the options, and whether the map shows the band."""

    weapons: tuple[reach.Weapon, ...]
    selected: reach.Weapon
    options: reach.ReachOptions
    on_map: bool


def reach_sidebar() -> ReachChoice:
    """The sidebar's 'Weapon reach' section."""
    sb = st.sidebar
    sb.header("Weapon reach")
    weapons = []
    with sb.expander("Reach of each class (km, order of magnitude)"):
        for w in reach.WEAPONS.values():
            km = st.number_input(
                w.label,
                reach.MIN_REACH_KM,
                reach.MAX_REACH_KM,
                w.reach_km,
                1.0,
                key=f"reach_{w.key}",
                help=f"Source: {w.source}. An {reach.ORDER_OF_MAGNITUDE}.",
            )
            weapons.append(reach.get_weapon(w.key, km))
        any_km = st.number_input(
            "Any weapon of N km", reach.MIN_REACH_KM, reach.MAX_REACH_KM, 40.0, 1.0, key="reach_any"
        )
    weapons.append(reach.any_weapon(any_km))
    by_key = {w.key: w for w in weapons}
    key = sb.selectbox(
        "Class on the map and in the lists",
        list(by_key),
        index=1,
        key="reach_class",
        format_func=lambda k: f"{by_key[k].label} ({by_key[k].reach_km:g} km)",
    )
    options = reach.ReachOptions(
        border_pullback=sb.checkbox(
            "Russian forces also pull back from the state border",
            key="reach_border",
            help="Off: Russian forces stay on Russia's border with Ukraine (the zone runs "
            "along the front only). On: they pull back from the border as from the line.",
        ),
        belarus=sb.checkbox("Count Belarus's border as a position too", key="reach_belarus"),
        minsk=sb.checkbox("Minsk II lines: heavy weapons pull back further", key="reach_minsk", help=reach.MINSK_NOTE),
    )
    # off by default: drawing the band is most of what a new width would cost the server (benchmarks.profile)
    on_map = sb.checkbox("Show where it still reaches on the map", value=False, key="reach_on_map")
    return ReachChoice(tuple(weapons), by_key[key], options, on_map)


def reach_section(date: str, width_km: float, split: float, choice: ReachChoice) -> None:
    """The Explorer's section: the table of classes, the lists for the chosen class, the trade-off chart."""
    st.subheader("Within reach after the pull-back")
    st.caption(
        f"What the zone buys: people (pre-war 2022) still within reach of the other side's weapons. "
        f"{reach.DISTANCE_NOTE} Reach figures are an {reach.ORDER_OF_MAGNITUDE} (sidebar)."
        + (f" {reach.MINSK_NOTE}" if choice.options.minsk else "")
    )
    table = cached_reach.reach_table(date, width_km, split, choice.weapons, choice.options)
    st.dataframe(table, hide_index=True, width="stretch", column_config=tables.REACH_COLUMNS)
    chosen = cached_reach.get_weapon_reach(date, width_km, split, choice.selected, choice.options)
    towns = cached_reach.reach_towns_tables(date, width_km, split, choice.selected, choice.options)
    st.markdown(f"**{chosen.weapon.label} ({chosen.weapon.reach_km:g} km): still within reach after the pull-back**")
    left, right = st.columns(2, gap="medium")
    for col, side in ((left, "ukraine_controlled"), (right, "occupied")):
        after = chosen.after[side]
        label = present.REACH_SIDE_LABELS[side]
        col.caption(
            f"{label[0].upper()}{label[1:]}: {present.people_short(after.people.estimate)} "
            f"({present.people_range_text(after.people.low, after.people.high)}); {len(after.towns):,} settlements, "
            f"{len(after.infrastructure)} listed sites"
            + (f": {', '.join(after.infrastructure['name'].head(6))}." if len(after.infrastructure) else ".")
        )
        col.dataframe(
            towns[side],
            hide_index=True,
            height=250,
            width="stretch",
            column_config=tables.REACH_TOWN_COLUMNS,
        )
    st.markdown(f"**What each kilometre buys: {chosen.weapon.label}, {chosen.weapon.reach_km:g} km**")
    chart = cached_reach.tradeoff_chart(date, split, choice.weapons, choice.selected.key, choice.options)
    st.vega_lite_chart(chart, width="stretch")


def reach_for_brief(date: str, width_km: float, split: float, choice: ReachChoice):
    """What the brief's reach table needs, computed when the brief is drawn (every class, no lists). The
    callable keeps only the keys, not the date's indexes: a download button lives as long as its session."""
    weapons, options = choice.weapons, choice.options

    def compute() -> tuple[reach.WeaponReach, ...]:
        rindex, zone = cached_reach.get_reach_index(date), cached.get_zone(date, width_km, split)
        return tuple(reach.weapon_reach(rindex, zone, w, options, lists=False) for w in weapons)

    return compute
