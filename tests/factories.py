"""Build realistic data through the services, so tests start from states users can reach."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from diaspora_hub.accounts import service as accounts
from diaspora_hub.accounts.models import User

PASSWORD = "lanterns-over-dakar-2030"
_counter = itertools.count(1)


def user(session: Session, **kwargs: Any) -> User:
    n = next(_counter)
    values: dict[str, Any] = {
        "email": f"person{n}@example.org",
        "password": PASSWORD,
        "display_name": f"Person {n}",
    }
    is_admin = kwargs.pop("is_admin", False)
    values.update(kwargs)
    created = accounts.register(session, **values)
    created.is_admin = is_admin
    session.flush()
    return created
