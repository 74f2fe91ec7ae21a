"""Every kind of audit event, in one place: what the trail can say happened.

The values are the strings stored in `audit.event_type` (and read by the trail's readers, the
PDF and the audit page), so an enum member compares equal to the stored text.
"""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    # gallery
    IMPORT = "import"
    SUBJECT_DELETED = "subject_deleted"
    PHOTO_DELETED = "photo_deleted"
    FACE_ENROLLED = "face_enrolled"
    FACE_UNASSIGNED = "face_unassigned"
    # cases
    CASE_OPENED = "case_opened"
    CASE_CLOSED = "case_closed"
    CASE_PURGED = "case_purged"
    NOTE_ADDED = "note_added"
    # searches and review
    SEARCH = "search"
    PROBE_WITHOUT_FACE = "probe_without_face"
    VIDEO_SCAN = "video_scan"
    # clustering the unknown faces of case material (issue 17)
    CLUSTER_RUN = "cluster_run"
    CLUSTER_EDIT = "cluster_edit"
    CLUSTER_EDIT_UNDONE = "cluster_edit_undone"
    CANDIDATE_VIEWED = "candidate_viewed"
    DECISION = "decision"
    VERIFICATION = "verification"
    EXPORT = "export"
    # officers and policy
    USER_CREATED = "user_created"
    USER_ROLE_CHANGED = "user_role_changed"
    USER_PASSWORD_SET = "user_password_set"
    SIGN_IN_FAILED = "sign_in_failed"
    POLICY_CHANGED = "policy_changed"
