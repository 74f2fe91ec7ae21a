"""What the audit trail and other record keepers need of a store: its database connection.

A protocol, so the trail depends on no store class (gallery -> audit -> common, never back).
"""

from __future__ import annotations

from typing import Protocol

from sqlite_utils import Database


class HasDatabase(Protocol):
    """A store with a sqlite-utils Database (`db`), whose `db.conn` is its connection."""

    db: Database
