"""A real browser against the real server: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests import servers

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed; `make system-deps` installs it", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def server_database(tmp_path: Path) -> str:
    return servers.migrated_sqlite(tmp_path)


@pytest.fixture
def server(server_database: str, tmp_path: Path) -> Iterator[servers.AppServer]:
    """The app under eventlet, as ``make run`` serves it, on its own port and database."""
    env = servers.app_environment(server_database, servers.free_port())
    with servers.start_app(env, tmp_path) as app_server:
        yield app_server


@pytest.fixture
def arrange(server_database: str) -> Iterator[Session]:
    """A session on the server's database, to set the scene before the browser acts."""
    engine = create_engine(server_database)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@pytest.fixture
def page_for(browser: Browser, server: servers.AppServer) -> Iterator[Any]:
    """Open a fresh browser context (its own cookies) per person."""
    contexts = []

    def open_page() -> Page:
        context = browser.new_context(base_url=server.url, bypass_csp=False)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def accessibility_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.2 A/AA rules) on the page and return what it finds."""
    page.evaluate(AXE.read_text())
    result: dict[str, Any] = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["html"] for n in v["nodes"][:3]]}
        for v in result["violations"]
    ]


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
