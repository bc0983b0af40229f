"""Every model module, imported together so the metadata (and so Alembic) sees the whole schema."""

from diaspora_hub.accounts import models as accounts
from diaspora_hub.calls import models as calls
from diaspora_hub.core import audit
from diaspora_hub.core.search import models as search
from diaspora_hub.live import models as live
from diaspora_hub.meetings import models as meetings
from diaspora_hub.notifications import models as notifications
from diaspora_hub.opinions import models as opinions
from diaspora_hub.organisations import models as organisations
from diaspora_hub.recommendations import models as recommendations
from diaspora_hub.spaces import models as spaces

__all__ = [
    "accounts",
    "audit",
    "calls",
    "live",
    "meetings",
    "notifications",
    "opinions",
    "organisations",
    "recommendations",
    "search",
    "spaces",
]
