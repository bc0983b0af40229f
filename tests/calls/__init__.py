"""Tests of calls for input, contributions and their synthesis."""
