"""Rules for recommendations, split by feature; every public name is re-exported here.

- ``kernel``: sight, roles, the space's rule, permissions
- ``drafting``: drafts, versions and diffs, the consultation lifecycle
- ``rule``: the space's consensus rule
- ``amendments``, ``sources``, ``endorsements``, ``comments``: one feature each
- ``tallies``: the round's consensus, live, hidden or frozen
- ``screen``: a recommendation on a live room's screen, its bars moving as organisations endorse
- ``notices``: what delegates are told, and the closing reminder job's work
- ``overview``: everything a recommendation's page shows
"""

from diaspora_hub.recommendations.service.amendments import (
    accept_amendment,
    list_amendments,
    propose_amendment,
    reject_amendment,
)
from diaspora_hub.recommendations.service.comments import add_comment
from diaspora_hub.recommendations.service.drafting import (
    adopt_recommendation,
    compare_versions,
    create_recommendation,
    list_recommendations,
    list_versions,
    open_consultation,
    revise_recommendation,
    update_recommendation,
    version_diff,
    withdraw_recommendation,
)
from diaspora_hub.recommendations.service.endorsements import endorse, list_endorsements
from diaspora_hub.recommendations.service.kernel import (
    ENDORSING_ROLES,
    get_recommendation,
    permissions,
    rule_from,
    settings_of,
)
from diaspora_hub.recommendations.service.notices import KINDS, send_closing_reminders
from diaspora_hub.recommendations.service.overview import recommendation_overview
from diaspora_hub.recommendations.service.rule import update_settings
from diaspora_hub.recommendations.service.screen import put_on_screen, screen_item
from diaspora_hub.recommendations.service.sources import add_source, citable, remove_source
from diaspora_hub.recommendations.service.tallies import current_consensus, tally_view

__all__ = [
    "ENDORSING_ROLES",
    "KINDS",
    "accept_amendment",
    "add_comment",
    "add_source",
    "adopt_recommendation",
    "citable",
    "compare_versions",
    "create_recommendation",
    "current_consensus",
    "endorse",
    "get_recommendation",
    "list_amendments",
    "list_endorsements",
    "list_recommendations",
    "list_versions",
    "open_consultation",
    "permissions",
    "propose_amendment",
    "put_on_screen",
    "recommendation_overview",
    "reject_amendment",
    "remove_source",
    "revise_recommendation",
    "rule_from",
    "screen_item",
    "send_closing_reminders",
    "settings_of",
    "tally_view",
    "update_recommendation",
    "update_settings",
    "version_diff",
    "withdraw_recommendation",
]
