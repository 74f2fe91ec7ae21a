"""What the clustering must respect, whatever the embeddings say.

Cannot-link: two faces seen at the same moment are two people (two faces of one photo, two
tracks of one clip present in one sampled frame), and an analyst's "not the same person"
holds between every face of one side and every face of the other. Must-link: an analyst's
merge says a set of faces is one person. Faces are indexed as the embeddings passed to
grouping.cluster_faces.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from rekog_desktop.core.common.errors import RekogError


class ConstraintConflict(RekogError):
    """A merge would make one person of two faces that must stay apart."""


@dataclass(frozen=True)
class Constraints:
    """`cannot_link`: for each face, the faces it may never share a group with (symmetric).
    `must_link`: sets of faces that start as one group (each 2+ faces)."""

    cannot_link: Mapping[int, frozenset[int]] = field(default_factory=dict)
    must_link: tuple[tuple[int, ...], ...] = ()

    def cannot(self, a: int, b: int) -> bool:
        return b in self.cannot_link.get(a, frozenset())

    def cannot_pairs_within(self, faces: Mapping[int, int]) -> Iterator[tuple[int, int]]:
        """The cannot-link pairs with both faces among `faces` (face -> local index), as
        local index pairs, each once."""
        for face, here in faces.items():
            for other in self.cannot_link.get(face, ()):
                there = faces.get(other)
                if there is not None and face < other:
                    yield here, there

    @property
    def pair_count(self) -> int:
        return sum(len(v) for v in self.cannot_link.values()) // 2


def build(
    *,
    seen_at: Sequence[Iterable[Hashable]] = (),
    not_same: Iterable[tuple[Iterable[int], Iterable[int]]] = (),
    same: Iterable[Iterable[int]] = (),
) -> Constraints:
    """Constraints from where each face was seen (`seen_at[i]`: the moments face i is in,
    e.g. (photo sha256,) or (clip sha256, frame) per sampled frame of a track), the analyst's
    "not the same" rules (side a, side b) and merges. Raises ConstraintConflict when a merge
    joins two faces that cannot be one person."""
    partners: dict[int, set[int]] = {}

    def forbid(a: int, b: int) -> None:
        if a != b:
            partners.setdefault(a, set()).add(b)
            partners.setdefault(b, set()).add(a)

    present: dict[Hashable, list[int]] = {}
    for face, moments in enumerate(seen_at):
        for moment in set(moments):
            present.setdefault(moment, []).append(face)
    for faces in present.values():
        for k, a in enumerate(faces):
            for b in faces[k + 1 :]:
                forbid(a, b)
    for side_a, side_b in not_same:
        right = list(side_b)
        for a in side_a:
            for b in right:
                forbid(a, b)
    merged = _merged_sets([tuple(s) for s in same])
    for members in merged:
        inside = set(members)
        for a in members:
            clash = partners.get(a, set()) & inside
            if clash:
                raise ConstraintConflict(
                    "these faces cannot be one person: two of them were seen at the same "
                    "moment or marked not the same person"
                )
    return Constraints(
        cannot_link={k: frozenset(v) for k, v in partners.items()},
        must_link=tuple(merged),
    )


def _merged_sets(sets: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Overlapping must-link sets joined (a merge of a merge is one person)."""
    owner: dict[int, int] = {}
    groups: dict[int, set[int]] = {}
    for number, members in enumerate(sets):
        found = {owner[m] for m in members if m in owner}
        target = set(members)
        for old in found:
            target |= groups.pop(old)
        groups[number] = target
        for m in target:
            owner[m] = number
    return [tuple(sorted(g)) for g in groups.values() if len(g) > 1]
