"""Times are stored in UTC and shown in the viewer's time zone.

People pick a zone from the list of the tz database's ``zone.tab`` — each country's zones
under their present names — grouped by region and named in the reader's language (city
and country from the Unicode CLDR, through Babel). The deprecated aliases that
``available_timezones()`` also lists ("US/Eastern", "Asia/Calcutta", "GB") are left out
of the picker but still understood, and :func:`canonical` turns them into the present name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo, available_timezones

from babel.core import get_global
from babel.dates import get_timezone_location
from flask_babel import lazy_gettext as _l

from diaspora_hub.core import geo

#: the zone of everyone who has not chosen one
DEFAULT = "UTC"

#: how the picker groups zones, by the first part of their name, in this order
REGIONS = {
    "Africa": _l("Africa"),
    "America": _l("Americas"),
    "Antarctica": _l("Antarctica"),
    "Arctic": _l("Arctic"),
    "Asia": _l("Asia"),
    "Atlantic": _l("Atlantic Ocean"),
    "Australia": _l("Australia"),
    "Europe": _l("Europe"),
    "Indian": _l("Indian Ocean"),
    "Pacific": _l("Pacific Ocean"),
}


@dataclass(frozen=True)
class ZoneGroup:
    #: e.g. "Europe", in the reader's language
    label: str
    #: (zone name, "City (Country)") in alphabetical order of the label
    zones: tuple[tuple[str, str], ...]


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every name the tz database knows, aliases included: what stored values may hold."""
    return tuple(sorted(available_timezones()))


def is_time_zone(name: str) -> bool:
    return name in time_zone_names()


def to_local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


@cache
def _zone_tab() -> dict[str, str]:
    """Zone name → ISO country code, for every zone ``zone.tab`` lists that can be loaded."""
    known = set(time_zone_names())
    rows: dict[str, str] = {}
    for line in _read_zone_tab().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        country, _coordinates, zone, *_comment = line.split("\t")
        if zone in known:
            rows[zone] = country
    return rows


def _read_zone_tab() -> str:
    """The tz database's zone.tab, where zoneinfo finds its data: the system's, else tzdata's."""
    for directory in TZPATH:
        path = Path(directory) / "zone.tab"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return (resources.files("tzdata.zoneinfo") / "zone.tab").read_text(encoding="utf-8")


def picker_zones() -> frozenset[str]:
    """The zones a person may pick: present names only, and UTC."""
    return frozenset({DEFAULT, *_zone_tab()})


def canonical(name: str) -> str:
    """The present name of a zone (``"Asia/Calcutta"`` → ``"Asia/Kolkata"``); unknown → UTC."""
    if name in picker_zones():
        return name
    alias = get_global("zone_aliases").get(name)
    if alias in picker_zones():
        return str(alias)
    return name if is_time_zone(name) else DEFAULT


def aliases() -> dict[str, str]:
    """Old name → present name, for the zones a browser may still report by an old name."""
    return {old: new for old, new in get_global("zone_aliases").items() if new in picker_zones()}


def picker() -> tuple[ZoneGroup, ...]:
    """The picker's groups in the language of the request."""
    return zone_groups(geo.reader_locale())


def zone_groups(locale: str) -> tuple[ZoneGroup, ...]:
    """The picker's groups in ``locale``: UTC first, then each region's zones."""
    return _zone_groups(locale)


@cache
def _zone_groups(locale: str) -> tuple[ZoneGroup, ...]:
    by_region: dict[str, list[tuple[str, str]]] = {region: [] for region in REGIONS}
    countries = geo.country_names(locale)
    for zone, country in _zone_tab().items():
        region = zone.split("/", 1)[0]
        if region not in by_region:
            continue
        city = get_timezone_location(zone, locale=locale, return_city=True)
        by_region[region].append((zone, f"{city} ({countries.get(country, country)})"))
    groups = [ZoneGroup(label="UTC", zones=((DEFAULT, "UTC"),))]
    for region, zones in by_region.items():
        if zones:
            ordered = sorted(zones, key=lambda item: (geo.collation_key(item[1]), item[0]))
            groups.append(ZoneGroup(label=str(REGIONS[region]), zones=tuple(ordered)))
    return tuple(groups)
