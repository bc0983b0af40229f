"""Shared checks for the browser tests of pages: axe-core's serious and critical findings,
and a browser context the size of a phone."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

from tests.e2e.conftest import AXE

PHONE: ViewportSize = {"width": 390, "height": 844}


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.2 A/AA findings whose impact is serious or critical."""
    page.evaluate(AXE.read_text())
    result: dict[str, Any] = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def phone(browser: Browser, base_url: str) -> BrowserContext:
    return browser.new_context(
        base_url=base_url, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
