"""A case's clustering as the workflow writes it: rows and their audit event in one transaction.

core.workflow checks the officer's role and calls these. Every change (new material, an edit,
an undo) clusters the case's faces again under the rules left standing and stores the run, so
the latest run is always what those rules and embeddings give.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rekog_desktop.core.audit import trail
from rekog_desktop.core.audit.events import EventKind
from rekog_desktop.core.cases.cases import Case
from rekog_desktop.core.clusters import records
from rekog_desktop.core.clusters.constraints import ConstraintConflict
from rekog_desktop.core.clusters.grouping import DEFAULT_CUT
from rekog_desktop.core.clusters.material import MaterialFaces
from rekog_desktop.core.clusters.records import ClusterRun
from rekog_desktop.core.clusters.refs import faces_of
from rekog_desktop.core.clusters.regroup import MERGE, NOT_SAME, SPLIT, regroup
from rekog_desktop.core.common.errors import RekogError
from rekog_desktop.core.gallery.store import GalleryStore


class ClusterEditRefused(RekogError):
    """An edit that cannot be made as asked (nothing clustered yet, a split of a whole
    cluster, a merge of one cluster with itself, nothing to undo)."""


def recluster(store: GalleryStore, case: Case, *, cause: str, actor: str) -> ClusterRun:
    """Cluster every face of the case under its active edits and store the run (the caller
    holds the transaction)."""
    faces = records.case_faces(store, case)
    result = regroup(faces, records.edits(store, case), cut=DEFAULT_CUT)
    run_id = records.save_run(
        store,
        case,
        groups=result.groups,
        unclustered=result.unclustered,
        cut=result.cut,
        cause=cause,
        actor=actor,
    )
    return records.load_run(store, case, run_id)


def _summary(run: ClusterRun) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "cut": run.cut,
        "clusters": len(run.clusters),
        "clustered_faces": sum(len(c.faces) for c in run.clusters),
        "unclustered": len(run.unclustered),
    }


def record_material(
    store: GalleryStore, case: Case, material: MaterialFaces, *, actor: str
) -> tuple[ClusterRun, int]:
    """Add the measured faces to the case, cluster, and audit it; returns (run, new faces)."""
    with store.transaction():
        added = records.add_faces(store, case, material.faces)
        run = recluster(store, case, cause="material", actor=actor)
        trail.append_event(
            store,
            EventKind.CLUSTER_RUN,
            {
                **_summary(run),
                "new_faces": added,
                "media": [
                    {"path": path, "sha256": sha, "faces": count}
                    for path, sha, count in material.media
                ],
                "failed": [{"path": p, "reason": r} for p, r in material.failed],
            },
            actor=actor,
            case_number=case.number,
        )
    return run, added


def current_run(store: GalleryStore, case: Case) -> ClusterRun:
    run = records.latest_run(store, case)
    if run is None:
        raise ClusterEditRefused(
            f"case {case.number} has no clustering yet: run `rekog cluster PATH... --case "
            f"{case.number}` first"
        )
    return run


def edit(
    store: GalleryStore,
    case: Case,
    *,
    kind: str,
    refs_a: Sequence[str],
    refs_b: Sequence[str],
    reason: str,
    actor: str,
) -> tuple[int, ClusterRun]:
    """Record a merge (refs_a and refs_b are one person), a split (refs_a leave the one
    cluster refs_b names) or a not-same rule, re-cluster, audit. Returns (edit id, run)."""
    with store.transaction():
        run = current_run(store, case)
        side_a = sorted({f for ref in refs_a for f in faces_of(run, ref)})
        side_b = sorted({f for ref in refs_b for f in faces_of(run, ref)})
        if kind == SPLIT:
            if not set(side_a) <= set(side_b):
                raise ClusterEditRefused("a split moves faces out of the cluster that holds them")
            side_b = [f for f in side_b if f not in side_a]
            if not side_b:
                raise ClusterEditRefused("a split must leave at least one face in the cluster")
        if set(side_a) & set(side_b):
            raise ClusterEditRefused("the two sides of the edit share a face")
        if not side_a or not side_b:
            raise ClusterEditRefused("an edit needs faces on both sides")
        edit_id = records.add_edit(
            store, case, kind=kind, side_a=side_a, side_b=side_b, reason=reason, actor=actor
        )
        try:
            after = recluster(store, case, cause=f"{kind} {edit_id}", actor=actor)
        except ConstraintConflict as exc:
            what = "merge" if kind == MERGE else "edit"
            raise ConstraintConflict(
                f"{exc}; this {what} contradicts an earlier one or the material "
                "(`rekog cluster undo` takes back the last edit)"
            ) from None
        trail.append_event(
            store,
            EventKind.CLUSTER_EDIT,
            {
                "edit_id": edit_id,
                "kind": kind,
                "side_a": side_a,
                "side_b": side_b,
                "named": {"a": list(refs_a), "b": list(refs_b), "of_run": run.id},
                "reason": reason,
                **_summary(after),
            },
            actor=actor,
            case_number=case.number,
        )
    return edit_id, after


def undo(store: GalleryStore, case: Case, *, actor: str) -> tuple[records.ClusterEdit, ClusterRun]:
    """Take back the newest edit still standing, re-cluster, audit."""
    with store.transaction():
        standing = [e for e in records.edits(store, case) if e.is_active]
        if not standing:
            raise ClusterEditRefused(f"case {case.number} has no cluster edit to undo")
        last = standing[-1]
        records.mark_undone(store, last.id, actor=actor)
        after = recluster(store, case, cause=f"undo {last.id}", actor=actor)
        trail.append_event(
            store,
            EventKind.CLUSTER_EDIT_UNDONE,
            {"edit_id": last.id, "kind": last.kind, **_summary(after)},
            actor=actor,
            case_number=case.number,
        )
    return last, after


__all__ = ["MERGE", "NOT_SAME", "SPLIT", "ClusterEditRefused", "edit", "record_material", "undo"]
