"""Organisations, memberships and their verification by platform admins."""
