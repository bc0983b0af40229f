"""In-app and email notifications, preferences, digests and reminders."""
