"""Rules for calls for input: who posts, who answers, who sees what, and every write.

Decisions kept here so pages, the API and scheduled jobs agree:

- A call is posted by a liaison of a verified ``government`` or ``io`` organisation, or by a
  facilitator of the space (platform admins included). Drafts are seen by the author and
  the space's facilitators only; to anyone else they do not exist (404).
- The audience is a set of organisation kinds, optionally narrowed to a corridor (country
  of origin and country of residence). SDG targets tag the call for browsing and filtering;
  they must belong to the space (a target of the space, or of one of its goals), because
  organisations carry no SDG targets to match against.
- "Invited" organisations are the space's participating organisations in the audience;
  they are notified and tracked. Any verified organisation in the audience may answer,
  whether it participates in the space or not, as long as the person can take part in the
  space (sees it and accepted its code of conduct). An unverified one may not: anyone can
  register a look-alike of a real organisation, and its answer would be counted as a voice.
- While a call is open, only its author, the facilitators and the answering organisation
  read a contribution, so early answers do not steer later ones; once closed, everyone who
  sees the call reads them. Attribution is honoured for every reader except members of
  the contributing organisation; exports honour it without exception. What would narrow
  an anonymous contribution down to fewer than ``ANONYMITY_FLOOR`` organisations is
  withheld from everyone, the call's author and facilitators included (``anonymity``). Hidden
  contributions are shown to facilitators only and left out of exports and proposals.

The service is split by feature around a small kernel, ``access`` (who sees, posts and
answers): ``anonymity`` (what may be shown of who answered), ``posting``,
``contributions``, ``themes`` (synthesis and export), ``notices`` (what the scheduled
jobs send) and ``waiting`` (what the home page lists). Import from the package, never
from its modules.
"""

from diaspora_hub.calls.service.access import (
    POSTING_KINDS,
    answerable_organisations,
    awaiting_verification,
    can_post,
    get_call,
    in_audience,
    invited_organisations,
    permissions,
    posting_organisations,
    present_contribution,
)
from diaspora_hub.calls.service.anonymity import ANONYMITY_FLOOR, disclosure, possible_authors
from diaspora_hub.calls.service.contributions import (
    ANONYMOUS_KEY,
    call_overview,
    contribution_history,
    current_contribution,
    hide_contribution,
    list_contributions,
    present_to_readers,
    report_contribution,
    restore_contribution,
    save_contribution,
    tracker,
)
from diaspora_hub.calls.service.finding import findable_calls, findable_contributions
from diaspora_hub.calls.service.notices import (
    KIND_CLOSED,
    KIND_OPENED,
    KIND_REMINDER,
    KIND_REPORTED,
    REMINDER_BEFORE,
    audience_members,
    send_close_notices,
    send_deadline_reminders,
    send_open_notifications,
)
from diaspora_hub.calls.service.posting import (
    CHANGEABLE_WHILE_OPEN,
    allowed_targets,
    create_call,
    list_calls,
    new_call_context,
    publish_call,
    targets_in_use,
    update_call,
)
from diaspora_hub.calls.service.themes import (
    create_theme,
    export_contributions,
    get_theme,
    list_themes,
    merge_theme,
    proposals,
    rename_theme,
    split_theme,
    synthesis_overview,
    synthesise,
)
from diaspora_hub.calls.service.waiting import run_calls, waiting_calls
from diaspora_hub.calls.types import CallOverview, CallPermissions, SynthesisOverview, Tracker

__all__ = [
    "ANONYMITY_FLOOR",
    "ANONYMOUS_KEY",
    "CHANGEABLE_WHILE_OPEN",
    "KIND_CLOSED",
    "KIND_OPENED",
    "KIND_REMINDER",
    "KIND_REPORTED",
    "POSTING_KINDS",
    "REMINDER_BEFORE",
    "CallOverview",
    "CallPermissions",
    "SynthesisOverview",
    "Tracker",
    "allowed_targets",
    "answerable_organisations",
    "audience_members",
    "awaiting_verification",
    "call_overview",
    "can_post",
    "contribution_history",
    "create_call",
    "create_theme",
    "current_contribution",
    "disclosure",
    "export_contributions",
    "findable_calls",
    "findable_contributions",
    "get_call",
    "get_theme",
    "hide_contribution",
    "in_audience",
    "invited_organisations",
    "list_calls",
    "list_contributions",
    "list_themes",
    "merge_theme",
    "new_call_context",
    "permissions",
    "possible_authors",
    "posting_organisations",
    "present_contribution",
    "present_to_readers",
    "proposals",
    "publish_call",
    "rename_theme",
    "report_contribution",
    "restore_contribution",
    "run_calls",
    "save_contribution",
    "send_close_notices",
    "send_deadline_reminders",
    "send_open_notifications",
    "split_theme",
    "synthesis_overview",
    "synthesise",
    "targets_in_use",
    "tracker",
    "update_call",
    "waiting_calls",
]
