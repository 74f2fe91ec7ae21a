"""How an analyst names what they edit: a cluster or one face, as the current run lists them.

`3` is cluster 3; `3.2` is the second face of cluster 3; `u.4` the fourth unclustered face
(numbers as `rekog cluster` prints them, from 1). Names are read against the case's latest run,
and the edit stores face ids, so a later re-clustering cannot change what an edit meant.
"""

from __future__ import annotations

import re

from rekog_desktop.core.clusters.records import ClusterRun
from rekog_desktop.core.common.errors import RekogError

_REF = re.compile(r"^\s*(?:(\d+)|(\d+)\.(\d+)|[uU]\.(\d+))\s*$")


class BadClusterRef(RekogError):
    """A cluster or face name that is not of the form 3, 3.2 or u.4, or not in the run."""


def faces_of(run: ClusterRun, ref: str) -> tuple[int, ...]:
    """The face ids `ref` names in `run`."""
    match = _REF.match(ref)
    if not match:
        raise BadClusterRef(
            f"{ref!r}: name a cluster (3), a face of one (3.2) or an unclustered face (u.4)"
        )
    whole, number, index, alone = match.groups()
    if alone is not None:
        position = int(alone)
        if not 1 <= position <= len(run.unclustered):
            raise BadClusterRef(
                f"{ref!r}: there are {len(run.unclustered)} unclustered face(s) in run {run.id}"
            )
        return (run.unclustered[position - 1].id,)
    cluster = run.cluster(int(whole if whole is not None else number))
    if cluster is None:
        raise BadClusterRef(
            f"{ref!r}: run {run.id} of case {run.case_number} has clusters 1 to {len(run.clusters)}"
        )
    if whole is not None:
        return tuple(f.id for f in cluster.faces)
    position = int(index)
    if not 1 <= position <= len(cluster.faces):
        raise BadClusterRef(f"{ref!r}: cluster {cluster.number} has {len(cluster.faces)} face(s)")
    return (cluster.faces[position - 1].id,)
