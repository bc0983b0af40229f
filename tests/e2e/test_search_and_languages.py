"""In a real browser: the header's search, the language switcher, the time-zone picker
that starts on the browser's zone, and the API documentation page."""

from __future__ import annotations

import pytest

from diaspora_hub import create_app
from tests import factories
from tests.e2e.conftest import accessibility_violations

pytestmark = pytest.mark.e2e


def test_a_visitor_searches_from_the_header_and_switches_language(
    page_for, arrange, server_database
):
    # The index follows writes of processes whose app registered the kinds (create_app).
    create_app({"SQLALCHEMY_DATABASE_URI": server_database, "SOCKETIO_ASYNC_MODE": "threading"})
    factories.space(arrange, title="Diaspora bonds for schools", description="Bonds.")
    arrange.commit()
    page = page_for()
    page.goto("/")
    page.get_by_role("searchbox", name="Search").fill("bonds")
    page.get_by_role("searchbox", name="Search").press("Enter")
    page.wait_for_url("**/search?q=bonds")
    assert page.get_by_role("link", name="Diaspora bonds for schools").is_visible()
    assert accessibility_violations(page) == []
    page.locator("#site-language").select_option("fr")
    page.get_by_role("button", name="Change language").click()
    page.wait_for_url("**/search?q=bonds")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Rechercher", level=1).is_visible()
    assert accessibility_violations(page) == []


def test_registration_starts_on_the_browsers_time_zone(browser, server):
    context = browser.new_context(base_url=server.url, timezone_id="Asia/Kolkata")
    try:
        page = context.new_page()
        page.goto("/register")
        # Chromium may still call it Asia/Calcutta; the picker offers the present name.
        assert page.locator("#time_zone").input_value() == "Asia/Kolkata"
        assert accessibility_violations(page) == []
    finally:
        context.close()


@pytest.mark.skip(
    reason="issue 15: Swagger UI stops after the second API section (2 of 11 drawn) since the "
    "error responses joined the document; the page must draw every operation before this runs"
)
def test_the_api_documentation_renders_from_the_sites_own_files(page_for, server):
    page = page_for()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    assert requested
    assert all(url.startswith(server.url) for url in requested)
