"""A case's clustering as the workflow writes it: rows and their audit event in one transaction.

core.workflow checks the officer's role and calls these. Every change (new material, an edit,
an undo) clusters the case's faces again under the rules left standing and stores the run, so
the latest run is always what those rules and embeddings give.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from rekog_desktop.core.audit import trail
from rekog_desktop.core.audit.events import Clustered, ClusterEdited, ClusterEditUndone
from rekog_desktop.core.cases.cases import Case
from rekog_desktop.core.cases.searches import record_face_search
from rekog_desktop.core.clusters import records
from rekog_desktop.core.clusters.constraints import ConstraintConflict
from rekog_desktop.core.clusters.grouping import DEFAULT_CUT
from rekog_desktop.core.clusters.material import MaterialFaces
from rekog_desktop.core.clusters.records import ClusterRun
from rekog_desktop.core.clusters.refs import faces_of
from rekog_desktop.core.clusters.regroup import MERGE, SPLIT, regroup
from rekog_desktop.core.common.errors import RekogError
from rekog_desktop.core.common.types import Face
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.scoring.search import FaceSearch, SearchSettings, search_face
from rekog_desktop.core.video.tracking import quality_score, template_embedding


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
            Clustered(
                **_summary(run),
                new_faces=added,
                media=[
                    {"path": path, "sha256": sha, "faces": count}
                    for path, sha, count in material.media
                ],
                failed=[{"path": p, "reason": r} for p, r in material.failed],
            ),
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
        if kind == SPLIT and not set(side_a) <= set(side_b):
            raise ClusterEditRefused("a split moves faces out of the cluster that holds them")
        if kind != MERGE:
            # "3.1 is not cluster 3's person" means: not the person of its other faces.
            side_b = [f for f in side_b if f not in side_a]
            if not side_b:
                raise ClusterEditRefused("the edit leaves no face on the other side")
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
            ClusterEdited(
                edit_id=edit_id,
                kind_of_edit=kind,
                side_a=side_a,
                side_b=side_b,
                named={"a": list(refs_a), "b": list(refs_b), "of_run": run.id},
                reason=reason,
                **_summary(after),
            ),
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
            ClusterEditUndone(edit_id=last.id, kind_of_edit=last.kind, **_summary(after)),
            actor=actor,
            case_number=case.number,
        )
    return last, after


def cluster_template(cluster: records.Cluster) -> tuple[records.CaseFace, Face]:
    """A cluster as one probe, as a clip track is searched: the mean of its faces'
    embeddings (rescaled to their mean length, tracking.template_embedding), shown with its
    best-quality face (the one whose box, quality and crop go into the record)."""
    best = max(
        cluster.faces,
        key=lambda f: quality_score(f.quality) if f.quality is not None else -1.0,
    )
    template = template_embedding([f.embedding for f in cluster.faces])
    return best, replace(best.as_face(), embedding=template)


def record_cluster_search(
    store: GalleryStore,
    case: Case,
    *,
    number: int,
    settings: SearchSettings,
    actor: str,
) -> tuple[int, FaceSearch, ClusterRun]:
    """Search cluster `number` of the latest run in the gallery as one template and record it
    in the case (kind "cluster"; its faces, run and purity as context), with the preset and
    estimated rates as every search. Returns (search id, search, run)."""
    run = current_run(store, case)
    cluster = run.cluster(number)
    if cluster is None:
        raise ClusterEditRefused(
            f"run {run.id} of case {case.number} has clusters 1 to {len(run.clusters)}"
        )
    shown, face = cluster_template(cluster)
    search = search_face(
        store, face, top_k=settings.top_k, tolerance=settings.tolerance, preset=settings.preset
    )
    context = {
        "cluster_run": run.id,
        "cluster": number,
        "purity": round(cluster.purity, 3),
        "template_of": len(cluster.faces),
        "faces": [{**f.as_dict(), "sha256": f.sha256} for f in cluster.faces],
        "shown_face": shown.as_dict(),
    }
    search_id = record_face_search(
        store,
        case=case,
        kind="cluster",
        probe_path=shown.path,
        probe_sha256=shown.sha256,
        face_index=number,
        face_search=search,
        top_k=settings.top_k,
        tolerance=settings.tolerance,
        actor=actor,
        probe_thumbnail=shown.thumbnail,
        context=context,
    )
    return search_id, search, run
