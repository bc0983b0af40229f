"""Rules for issue spaces: who sees a space, who takes part, who runs it, and every write.

Functions called from pages and the API take the space's slug, so sight of the space
(404) is always checked before the right to act on it (403).

The service is split by feature: ``access`` is the kernel (sight, rights, standing) that
the others and the domains above build on; ``reading``, ``editing`` and ``members`` hold
the rest. Import from the package, never from its modules.
"""

from diaspora_hub.spaces.service.access import (
    ConductNotAccepted,
    can_manage,
    can_see,
    get_visible,
    has_accepted_current_conduct,
    is_facilitator,
    managers,
    require_manager,
    require_participant,
    require_standing,
    space_for_manager,
    standing,
    standing_columns,
    standing_from,
    visible_condition,
    visible_spaces,
)
from diaspora_hub.spaces.service.editing import (
    DEFAULT_CONDUCT,
    RESERVED_SLUGS,
    SLUG_MAX,
    SLUG_PATTERN,
    can_create,
    change_phase,
    create_space,
    require_creator,
    slugify,
    update_space,
)
from diaspora_hub.spaces.service.members import (
    accept_conduct,
    add_facilitator,
    add_organisation,
    invite,
    publish_conduct,
    remove_facilitator,
    remove_organisation,
    revoke_invitation,
)
from diaspora_hub.spaces.service.reading import (
    conduct_state,
    describe,
    list_facilitators,
    list_invitations,
    list_participants,
    management,
    organisation_choices,
    search_spaces,
    space_detail,
)
from diaspora_hub.spaces.types import ConductState, SpaceDetail, SpaceManagement, Standing

__all__ = [
    "DEFAULT_CONDUCT",
    "RESERVED_SLUGS",
    "SLUG_MAX",
    "SLUG_PATTERN",
    "ConductNotAccepted",
    "ConductState",
    "SpaceDetail",
    "SpaceManagement",
    "Standing",
    "accept_conduct",
    "add_facilitator",
    "add_organisation",
    "can_create",
    "can_manage",
    "can_see",
    "change_phase",
    "conduct_state",
    "create_space",
    "describe",
    "get_visible",
    "has_accepted_current_conduct",
    "invite",
    "is_facilitator",
    "list_facilitators",
    "list_invitations",
    "list_participants",
    "management",
    "managers",
    "organisation_choices",
    "publish_conduct",
    "remove_facilitator",
    "remove_organisation",
    "require_creator",
    "require_manager",
    "require_participant",
    "require_standing",
    "revoke_invitation",
    "search_spaces",
    "slugify",
    "space_detail",
    "space_for_manager",
    "standing",
    "standing_columns",
    "standing_from",
    "update_space",
    "visible_condition",
    "visible_spaces",
]
