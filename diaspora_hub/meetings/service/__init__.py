"""The meetings service, split by feature; pages, the API and jobs import it from here."""

from diaspora_hub.meetings.service import outside
from diaspora_hub.meetings.service.calendar import (
    create_token,
    feed,
    my_meetings,
    revoke_token,
    set_working_hours,
    working_hours,
)
from diaspora_hub.meetings.service.kernel import (
    NOTIFICATION_KINDS,
    delegate_organisations,
    frame_sources,
    get_meeting,
    is_jitsi,
    permissions,
    require_manager,
)
from diaspora_hub.meetings.service.overview import meeting_fields, meeting_overview, space_meetings
from diaspora_hub.meetings.service.record import (
    attendance,
    draft_minutes,
    feedback_summary,
    give_feedback,
    publish_minutes,
    read_minutes,
    sample_attendance,
    save_minutes,
)
from diaspora_hub.meetings.service.registration import (
    approve,
    decline,
    list_registrations,
    register,
    withdraw,
)
from diaspora_hub.meetings.service.reminders import send_reminders
from diaspora_hub.meetings.service.scheduling import (
    cancel_meeting,
    create_meeting,
    end_meeting,
    open_due_rooms,
    open_meeting,
    require_schedule_rights,
    update_meeting,
)
from diaspora_hub.meetings.service.slots import meeting_slots, space_slots

__all__ = [
    "NOTIFICATION_KINDS",
    "approve",
    "attendance",
    "cancel_meeting",
    "create_meeting",
    "create_token",
    "decline",
    "delegate_organisations",
    "draft_minutes",
    "end_meeting",
    "feed",
    "feedback_summary",
    "frame_sources",
    "get_meeting",
    "give_feedback",
    "is_jitsi",
    "list_registrations",
    "meeting_fields",
    "meeting_overview",
    "meeting_slots",
    "my_meetings",
    "open_due_rooms",
    "open_meeting",
    "outside",
    "permissions",
    "publish_minutes",
    "read_minutes",
    "register",
    "require_manager",
    "require_schedule_rights",
    "revoke_token",
    "sample_attendance",
    "save_minutes",
    "send_reminders",
    "set_working_hours",
    "space_meetings",
    "space_slots",
    "update_meeting",
    "withdraw",
    "working_hours",
]
