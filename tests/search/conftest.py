"""The calls' small world (a space with organisations, a government, an IO) for search."""

from tests.calls.conftest import world  # noqa: F401 - a fixture, used by name
