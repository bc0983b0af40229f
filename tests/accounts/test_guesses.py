"""Password guesses are counted across every way in, per address and per account, and slow
the guesser down more at each failure instead of locking the real person out."""

from __future__ import annotations

import time
from itertools import count

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from diaspora_hub.accounts import throttle
from tests.factories import PASSWORD

WRONG = "not-the-password-at-all"
_addresses = (f"203.0.113.{n}" for n in count(1))


@pytest.fixture(autouse=True)
def _plain_flood_limit_out_of_the_way(app: Flask) -> None:
    """The per-address flood limit (10 a minute) would stop these tests first."""
    app.config["RATELIMIT_LOGIN"] = "1000 per minute"
    app.config["WTF_CSRF_ENABLED"] = False


def _from(client: FlaskClient, address: str | None = None) -> dict[str, str]:
    return {"REMOTE_ADDR": address or next(_addresses)}


def api_login(
    client: FlaskClient, email: str, password: str, address: str | None = None
) -> TestResponse:
    return client.post(
        "/api/v1/auth/login",
        json={"email": email, "password": password},
        environ_base=_from(client, address),
    )


def page_login(
    client: FlaskClient, email: str, password: str, address: str | None = None
) -> TestResponse:
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base=_from(client, address)
    )


def api_register(client: FlaskClient, email: str, address: str | None = None) -> TestResponse:
    return client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "display_name": "Someone"},
        environ_base=_from(client, address),
    )


def test_guesses_at_one_account_count_across_pages_api_and_registration(client, make_user):
    person = make_user()
    doors = [
        lambda: api_login(client, person.email, WRONG),
        lambda: page_login(client, person.email, WRONG),
        lambda: api_register(client, person.email),
    ]
    # From as many addresses as guesses and through three doors: one count for the account.
    statuses = [doors[n % 3]().status_code for n in range(throttle.FREE_GUESSES_PER_ACCOUNT)]
    assert set(statuses) == {401, 409}

    refused = api_login(client, person.email, PASSWORD)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    page = page_login(client, person.email, PASSWORD)
    assert page.status_code == 429
    assert int(page.headers["Retry-After"]) >= 1
    assert "Try again in" in page.get_data(as_text=True)


def test_guesses_from_one_address_count_across_accounts(client, make_user):
    address = "198.51.100.7"
    for n in range(throttle.FREE_GUESSES_PER_ADDRESS):
        assert api_login(client, f"nobody{n}@example.org", WRONG, address).status_code == 401

    person = make_user()
    refused = page_login(client, person.email, PASSWORD, address)
    assert refused.status_code == 429
    # The person, from anywhere else, is not held up by someone else's address.
    assert api_login(client, person.email, PASSWORD).status_code == 200


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Moves every clock forward by what the test adds to it, as if the wait had passed."""
    real = time.time
    offset = [0.0]
    monkeypatch.setattr(time, "time", lambda: real() + offset[0])
    return offset


def test_the_wait_grows_and_stays_short(client, make_user, clock):
    person = make_user()
    for _ in range(throttle.FREE_GUESSES_PER_ACCOUNT):
        assert api_login(client, person.email, WRONG).status_code == 401
    waits = []
    for _ in range(12):
        refused = api_login(client, person.email, WRONG)
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        clock[0] += waits[-1]
        # Once the wait is over, a guess is heard (and counted) again.
        assert api_login(client, person.email, WRONG).status_code == 401
    assert waits[:4] == [1, 2, 4, 8]
    assert waits == sorted(waits)
    assert max(waits) == throttle.LONGEST_WAIT <= 300


def test_after_the_wait_the_real_person_logs_in_and_starts_afresh(client, make_user, clock):
    person = make_user()
    for _ in range(throttle.FREE_GUESSES_PER_ACCOUNT):
        api_login(client, person.email, WRONG)
    refused = api_login(client, person.email, PASSWORD)
    assert refused.status_code == 429
    clock[0] += int(refused.headers["Retry-After"])

    assert api_login(client, person.email, PASSWORD).status_code == 200
    assert api_login(client, person.email, WRONG).status_code == 401
    assert api_login(client, person.email, PASSWORD).status_code == 200


def test_the_flood_limit_per_address_is_one_for_every_door(app, client, make_user):
    """Login and registration attempts from one address share ``RATELIMIT_LOGIN``."""
    app.config["RATELIMIT_LOGIN"] = "6 per minute"
    person = make_user()
    address = "192.0.2.44"
    doors = [
        lambda: api_login(client, person.email, PASSWORD, address),
        lambda: page_login(client, person.email, PASSWORD, address),
        lambda: api_register(client, f"new{next(_addresses)}@example.org", address),
    ]
    assert all(doors[n % 3]().status_code < 400 for n in range(6))
    refused = doors[0]()
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
