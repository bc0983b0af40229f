"""Responses travel compressed, static files are cached by their content's hash, and the
front page with everything it loads stays small enough for a slow phone connection."""

from __future__ import annotations

import re

from diaspora_hub.core.assets import IMMUTABLE
from tests import factories

BUDGET = 200 * 1024


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_the_front_page_and_all_it_loads_weigh_under_200_kb_compressed(session, login):
    person = factories.user(session)
    for n in range(6):
        factories.space(session, title=f"Space {n}", description="Remittances. " * 40)
    session.commit()
    client = login(person)
    page = client.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert page.headers["Content-Encoding"] in {"br", "gzip"}
    total = len(page.data)
    for url in _assets(client.get("/").get_data(as_text=True)):
        with client.get(url, headers={"Accept-Encoding": "br, gzip"}) as asset:
            assert asset.status_code == 200, url
            total += len(asset.data)
    assert total < BUDGET


def test_the_room_script_is_compressed_too(session, login):
    person = factories.user(session)
    session.commit()
    client = login(person)
    with client.get("/static/build/room.js", headers={"Accept-Encoding": "gzip"}) as script:
        assert script.status_code == 200
        assert script.headers["Content-Encoding"] == "gzip"
        assert len(script.data) < BUDGET


def test_static_urls_carry_the_files_hash_and_are_cached_for_a_year(client):
    html = client.get("/").get_data(as_text=True)
    stylesheet = next(url for url in _assets(html) if "site.css" in url)
    assert re.search(r"site\.css\?v=[0-9a-f]{12}$", stylesheet)
    with client.get(stylesheet) as fresh:
        assert fresh.headers["Cache-Control"] == IMMUTABLE
    with client.get("/static/css/site.css?v=000000000000") as stale:
        assert stale.headers["Cache-Control"] == "no-cache"


def test_browsers_find_a_favicon(client):
    html = client.get("/").get_data(as_text=True)
    assert 'rel="icon"' in html
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    with client.get(response.headers["Location"]) as icon:
        assert icon.mimetype == "image/svg+xml"
