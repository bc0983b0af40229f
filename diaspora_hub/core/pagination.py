"""Every list is paginated the same way: ``?page=&per_page=`` and a total."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from diaspora_hub.core.errors import ValidationFailed

T = TypeVar("T")

#: No list here has a millionth page; beyond it a page number is a mistake (or a probe).
MAX_PAGE = 1_000_000
#: The largest page size any list offers.
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def paginate(
    session: Session, query: Select[tuple[T]], page: int = 1, per_page: int = 20
) -> Page[T]:
    """Count and slice ``query``; the count runs on the same filters, so it never leaks.

    Every list comes through here, also those whose page reads ``?page=`` itself, so a page
    number beyond ``MAX_PAGE`` is refused here (400) rather than overflowing the query.
    """
    if not 1 <= page <= MAX_PAGE:
        raise ValidationFailed(fields={"page": [f"Between 1 and {MAX_PAGE}."]})
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationFailed(fields={"per_page": [f"Between 1 and {MAX_PER_PAGE}."]})
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)


def page_body(page: Page[Any], items: list[Any]) -> dict[str, Any]:
    """The JSON envelope of a list response."""
    return {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total}
