"""Calls for input, contributions and their synthesis into themes."""
