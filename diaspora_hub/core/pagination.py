"""Every list is paginated the same way: ``?page=&per_page=`` and a total."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


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
    """Count and slice ``query``; the count runs on the same filters, so it never leaks."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)


def page_body(page: Page[Any], items: list[Any]) -> dict[str, Any]:
    """The JSON envelope of a list response."""
    return {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total}
