"""Who may do what: the one table of role rules, checked by the workflow for every action.

The front ends may hide what a role cannot do, but the rule is enforced here, in the core, so a
script, the CLI and the GUI meet the same refusal.
"""

from __future__ import annotations

from enum import StrEnum

from rekog_desktop.core.common.errors import RekogError


class Role(StrEnum):
    ANALYST = "analyst"
    REVIEWER = "reviewer"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"


class Operation(StrEnum):
    """The actions an officer performs that write the gallery, a case or the trail."""

    IMPORT = "import photos"
    EDIT_GALLERY = "delete or enrol gallery photos"
    OPEN_CASE = "open a case"
    CLOSE_CASE = "close a case"
    PURGE_CASE = "purge a closed case"
    NOTE = "add a case note"
    SEARCH = "search a probe"
    VIEW = "view a candidate"
    DECIDE = "decide on a candidate"
    VERIFY = "verify another officer's decision"
    EXPORT = "export case notes"
    READ_AUDIT = "read the audit trail"
    MANAGE_USERS = "add users, change roles, reset passwords"
    SET_POLICY = "change the store policy"


_ANALYST = frozenset(
    {
        Operation.IMPORT,
        Operation.EDIT_GALLERY,
        Operation.OPEN_CASE,
        Operation.CLOSE_CASE,
        Operation.NOTE,
        Operation.SEARCH,
        Operation.VIEW,
        Operation.DECIDE,
        Operation.EXPORT,
        Operation.READ_AUDIT,
    }
)
_REVIEWER = _ANALYST | {Operation.VERIFY}

#: The table: analyst imports, searches and decides; reviewer also verifies others' decisions;
#: supervisor also manages users and policies and purges closed cases after their retention
#: period (it destroys what a case recorded, so only the role that sets the retention period);
#: auditor reads the trail and exports, nothing else.
PERMISSIONS: dict[Role, frozenset[Operation]] = {
    Role.ANALYST: _ANALYST,
    Role.REVIEWER: _REVIEWER,
    Role.SUPERVISOR: _REVIEWER
    | {Operation.MANAGE_USERS, Operation.SET_POLICY, Operation.PURGE_CASE},
    Role.AUDITOR: frozenset({Operation.READ_AUDIT, Operation.EXPORT}),
}


class PermissionDenied(RekogError):
    """The signed-in officer's role does not allow the action."""


def allowed(role: Role, operation: Operation) -> bool:
    return operation in PERMISSIONS[role]


def require(name: str, role: Role, operation: Operation) -> None:
    """Raise PermissionDenied unless `role` may perform `operation`."""
    if not allowed(role, operation):
        may = sorted(r.value for r in Role if allowed(r, operation))
        raise PermissionDenied(
            f"{name} is {_article(role)} {role.value} and may not {operation.value} "
            f"(allowed: {', '.join(may)})"
        )


def _article(role: Role) -> str:
    return "an" if role.value[0] in "aeiou" else "a"
