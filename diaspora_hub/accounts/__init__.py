"""People: registration, login, profile, personal API tokens."""
