"""Live consultation rooms: room events, presence, speaking queue, polls, moderation."""
