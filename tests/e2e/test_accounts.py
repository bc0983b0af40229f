"""A person registers, logs in and out in a real browser; the pages pass automated WCAG checks."""

from __future__ import annotations

import pytest

from tests import factories
from tests.e2e.conftest import accessibility_violations, log_in

pytestmark = pytest.mark.e2e


def test_register_with_the_keyboard_and_log_out(page_for):
    page = page_for()
    page.goto("/register")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.get_by_label("Your name").fill("Fatou Ndiaye")
    page.get_by_label("Email").fill("fatou@example.org")
    page.locator("#password").fill("short")
    page.get_by_label("Password again").fill("short")
    page.get_by_role("button", name="Create account").click()
    assert page.locator("#password-error").is_visible()
    page.locator("#password").fill(factories.PASSWORD)
    page.get_by_label("Password again").fill(factories.PASSWORD)
    page.get_by_label("Password again").press("Enter")
    page.wait_for_url("**/")
    assert page.get_by_role("link", name="Fatou Ndiaye").is_visible()
    page.get_by_role("button", name="Log out").click()
    assert page.get_by_role("link", name="Log in").first.is_visible()


def test_login_and_settings_in_french(page_for, arrange):
    person = factories.user(arrange, email="awa@example.org", display_name="Awa Sow")
    arrange.commit()
    page = page_for()
    log_in(page, person.email, factories.PASSWORD)
    page.goto("/account")
    page.get_by_label("Language", exact=True).select_option("fr")
    page.get_by_role("button", name="Save").click()
    assert page.locator("html").get_attribute("lang") == "fr"


@pytest.mark.parametrize("path", ["/", "/login", "/register"])
def test_public_pages_have_no_wcag_violations(page_for, path):
    page = page_for()
    page.goto(path)
    assert accessibility_violations(page) == []
