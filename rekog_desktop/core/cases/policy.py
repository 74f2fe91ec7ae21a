"""The store's policy: rules a supervisor sets for everyone using a shared store.

Kept in the store's meta table (keys `policy_*`: 0 or 1 for a rule, a number of days for the
retention period, no key for "not set"), so the rule travels with the file and every front end
reads the same one. Changes are audited by the workflow.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from rekog_desktop.core.common.database import HasDatabase


@dataclass(frozen=True)
class Policy:
    #: Every user has a password and gives it for every action (shared and agency stores);
    #: off, an officer acting as their own OS account needs none (a single workstation).
    require_passwords: bool = False
    #: Reject and Inconclusive need a reason, as Accept always does.
    require_reasons: bool = False
    #: Days a closed case's records are kept before `rekog case purge` may remove them; None:
    #: not set, and no case can be purged until a supervisor sets it.
    retention_days: int | None = None

    def as_dict(self) -> dict[str, bool | int | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


_NUMBERS = frozenset({"retention_days"})


def read_policy(store: HasDatabase) -> Policy:
    rows = store.db.execute("SELECT key, value FROM meta WHERE key LIKE 'policy_%'").fetchall()
    values: dict[str, bool | int] = {}
    for key, value in rows:
        name = str(key)[len("policy_") :]
        values[name] = int(value) if name in _NUMBERS else bool(int(value))
    known = {f.name for f in fields(Policy)}
    return Policy(**{k: v for k, v in values.items() if k in known})  # type: ignore[arg-type]


def write_policy(store: HasDatabase, policy: Policy) -> None:
    """Write inside the caller's transaction (with its audit event)."""
    for name, value in policy.as_dict().items():
        if value is None:
            store.db.execute("DELETE FROM meta WHERE key = ?", [f"policy_{name}"])
            continue
        store.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [f"policy_{name}", int(value)],
        )
