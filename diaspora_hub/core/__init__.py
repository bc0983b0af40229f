"""Shared mechanisms every domain stands on: errors, transactions, pagination, text, time."""
