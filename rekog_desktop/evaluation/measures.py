"""Measure the engine: LFW pair lists, verification accuracy, TAR at FAR and open-set 1:N rates.

Everything here is a pure function over distances (lower is closer) and labels, so the numbers
the CLI prints, the bench scripts and the calibration table all come from the same arithmetic.
Encoding images into embeddings lives in `eval_encode.py`; this module never touches pixels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from rekog_desktop.core.common.errors import RekogError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Folds of the cross-validated threshold (LFW's protocol uses 10).
CV_FOLDS = 10
#: False-accept rates reported by default (one comparison of two different people).
DEFAULT_FARS = (0.001, 0.01)


class PairsFormatError(RekogError):
    """A pairs file that does not follow either of LFW's two layouts."""


@dataclass(frozen=True)
class Pair:
    """One line of an LFW pairs file: two images, `same` when both show one person.

    `fold` is the file's own fold (View 2) or a contiguous tenth of each half (View 1).
    """

    name1: str
    index1: int
    name2: str
    index2: int
    fold: int

    @property
    def same(self) -> bool:
        return self.name1 == self.name2

    def paths(self, root: Path) -> tuple[Path, Path]:
        return lfw_image_path(root, self.name1, self.index1), lfw_image_path(
            root, self.name2, self.index2
        )


def lfw_image_path(root: Path, name: str, index: int) -> Path:
    """LFW's file layout: ROOT/Name/Name_0001.jpg."""
    return Path(root) / name / f"{name}_{index:04d}.jpg"


def parse_pairs(text: str) -> list[Pair]:
    """Parse a pairs list in either standard form, checking the counts the header announces.

    View 1 (pairsDevTrain.txt): first line `N`, then N same lines `name i j` and N different
    lines `name1 i name2 j`. View 2 (pairs.txt): first line `folds N` (e.g. `10 300`), then per
    fold N same and N different lines. Fields are separated by tabs or spaces.
    """
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if not lines:
        raise PairsFormatError("empty pairs file")
    header = lines[0]
    try:
        numbers = [int(v) for v in header]
    except ValueError:
        raise PairsFormatError(f"first line must be 'N' or 'folds N', got {header!r}") from None
    if len(numbers) == 1:
        folds, per_half, split_view1 = 1, numbers[0], True
    elif len(numbers) == 2:
        folds, per_half, split_view1 = numbers[0], numbers[1], False
    else:
        raise PairsFormatError(f"first line must be 'N' or 'folds N', got {header!r}")
    if folds < 1 or per_half < 1:
        raise PairsFormatError("the header's counts must be positive")
    body = lines[1:]
    expected = folds * 2 * per_half
    if len(body) != expected:
        raise PairsFormatError(
            f"header announces {folds} fold(s) of {per_half} same + {per_half} different pairs "
            f"({expected} lines), but the file has {len(body)} pair lines"
        )
    pairs: list[Pair] = []
    for position, fields in enumerate(body):
        fold, offset = divmod(position, 2 * per_half)
        want_same = offset < per_half
        if split_view1:
            fold = (offset % per_half) * CV_FOLDS // per_half
        pairs.append(_parse_line(fields, fold, want_same, position + 2))
    return pairs


def _parse_line(fields: list[str], fold: int, want_same: bool, line_no: int) -> Pair:
    try:
        if want_same and len(fields) == 3:
            return Pair(fields[0], int(fields[1]), fields[0], int(fields[2]), fold)
        if not want_same and len(fields) == 4:
            return Pair(fields[0], int(fields[1]), fields[2], int(fields[3]), fold)
    except ValueError:
        pass
    kind = "same-person 'name i j'" if want_same else "different-person 'name1 i name2 j'"
    raise PairsFormatError(f"line {line_no}: expected a {kind} line, got {' '.join(fields)!r}")


def read_pairs(path: str | Path) -> list[Pair]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PairsFormatError(f"{path}: cannot read pairs file ({exc.strerror or exc})") from None
    return parse_pairs(text)


# -- verification (1:1) -------------------------------------------------------------------------


def _arrays(
    distances: Sequence[float] | FloatArray, same: Sequence[bool] | BoolArray
) -> tuple[FloatArray, BoolArray]:
    d = np.asarray(distances, dtype=np.float64)
    s = np.asarray(same, dtype=bool)
    if d.shape != s.shape or d.ndim != 1:
        raise ValueError("distances and labels must be 1-d and of equal length")
    return d, s


def accuracy_at(
    distances: Sequence[float] | FloatArray, same: Sequence[bool] | BoolArray, tolerance: float
) -> float:
    """Share of pairs decided correctly when `distance <= tolerance` means "same person"."""
    d, s = _arrays(distances, same)
    if d.size == 0:
        return math.nan
    return float(np.mean((d <= tolerance) == s))


def best_threshold(
    distances: Sequence[float] | FloatArray, same: Sequence[bool] | BoolArray
) -> float:
    """The tolerance with the highest accuracy on these pairs (midpoint between neighbours, so
    it does not sit exactly on a training distance)."""
    d, s = _arrays(distances, same)
    if d.size == 0:
        return math.nan
    order = np.argsort(d, kind="stable")
    d_sorted, s_sorted = d[order], s[order]
    # Accepting the first k pairs: correct = same among them + different among the rest.
    same_cum = np.concatenate([[0], np.cumsum(s_sorted)])
    diff_total = int(np.sum(~s_sorted))
    diff_cum = np.concatenate([[0], np.cumsum(~s_sorted)])
    correct = same_cum + (diff_total - diff_cum)
    # Only cut between distinct distances.
    cut_ok = np.concatenate([[True], d_sorted[1:] > d_sorted[:-1], [True]])
    correct = np.where(cut_ok, correct, -1)
    k = int(np.argmax(correct))
    if k == 0:
        return float(d_sorted[0] - 1e-6)
    if k == d.size:
        return float(d_sorted[-1] + 1e-6)
    return float((d_sorted[k - 1] + d_sorted[k]) / 2.0)


@dataclass(frozen=True)
class CrossValidated:
    """Accuracy of a threshold chosen on the other folds, per held-out fold."""

    mean: float
    std: float
    thresholds: tuple[float, ...]
    fold_accuracies: tuple[float, ...]


def cv_accuracy(
    distances: Sequence[float] | FloatArray,
    same: Sequence[bool] | BoolArray,
    folds: Sequence[int] | npt.NDArray[np.int64],
) -> CrossValidated:
    """LFW's protocol: for each fold, pick the best threshold on the others, test on it."""
    d, s = _arrays(distances, same)
    f = np.asarray(folds)
    accuracies: list[float] = []
    thresholds: list[float] = []
    for fold in sorted(set(f.tolist())):
        test = f == fold
        if test.all():  # a single fold: nothing to train on
            continue
        threshold = best_threshold(d[~test], s[~test])
        thresholds.append(threshold)
        accuracies.append(accuracy_at(d[test], s[test], threshold))
    if not accuracies:
        return CrossValidated(math.nan, math.nan, (), ())
    return CrossValidated(
        mean=float(np.mean(accuracies)),
        std=float(np.std(accuracies)),
        thresholds=tuple(thresholds),
        fold_accuracies=tuple(accuracies),
    )


def threshold_at_rate(impostor: Sequence[float] | FloatArray, rate: float) -> float:
    """The largest tolerance at which at most `rate` of these impostor values are accepted
    (`value <= tolerance`): just below the first impostor that would exceed the rate."""
    values = np.sort(np.asarray(impostor, dtype=np.float64))
    if values.size == 0:
        return math.inf
    allowed = math.floor(rate * values.size + 1e-9)
    if allowed >= values.size:
        return float(values[-1])
    return float(np.nextafter(values[allowed], -math.inf))


def tar_at_far(
    distances: Sequence[float] | FloatArray,
    same: Sequence[bool] | BoolArray,
    far: float,
) -> float:
    """True-accept rate at the tolerance where at most `far` of different-person pairs pass.

    With n impostor pairs a FAR below 1/n cannot be resolved: 0.001 on 1,100 impostors means
    no impostor accepted at all.
    """
    d, s = _arrays(distances, same)
    threshold = threshold_at_rate(d[~s], far)
    genuine = d[s]
    return float(np.mean(genuine <= threshold)) if genuine.size else math.nan


# -- open-set identification (1:N) ---------------------------------------------------------------


@dataclass(frozen=True)
class Gallery:
    """Enrolled embeddings with the subject of each row."""

    vectors: npt.NDArray[np.float32]
    subjects: tuple[str, ...]

    @classmethod
    def from_mapping(cls, by_subject: Mapping[str, Sequence[npt.NDArray[np.float32]]]) -> Gallery:
        rows: list[npt.NDArray[np.float32]] = []
        names: list[str] = []
        for name, vectors in by_subject.items():
            for vector in vectors:
                rows.append(np.asarray(vector, dtype=np.float32))
                names.append(name)
        matrix = np.stack(rows) if rows else np.zeros((0, 128), dtype=np.float32)
        return cls(vectors=matrix, subjects=tuple(names))

    @property
    def subject_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.subjects))


def subject_distances(gallery: Gallery, probes: npt.NDArray[np.float32]) -> FloatArray:
    """Distance of each probe (row) to each subject (column, in `subject_names` order): the
    nearest of the subject's enrolled faces."""
    names = gallery.subject_names
    if probes.size == 0:
        return np.zeros((0, len(names)))
    g = gallery.vectors.astype(np.float64)
    p = np.asarray(probes, dtype=np.float64)
    squared = (p * p).sum(1)[:, None] - 2.0 * p @ g.T + (g * g).sum(1)[None, :]
    face_d = np.sqrt(np.maximum(squared, 0.0))
    column = {name: i for i, name in enumerate(names)}
    idx = np.array([column[s] for s in gallery.subjects])
    out = np.full((p.shape[0], len(names)), np.inf)
    for j in range(len(names)):
        out[:, j] = face_d[:, idx == j].min(axis=1)
    return out


@dataclass(frozen=True)
class OpenSetScores:
    """Per mated probe: rank of its true subject and that subject's distance (or inf when not
    enrolled) and the nearest distance overall; per non-mated probe: the nearest distance."""

    mated_rank: npt.NDArray[np.int64]
    mated_nearest: FloatArray
    mated_true_is_first: BoolArray
    nonmated_nearest: FloatArray

    def rank_hit_rate(self, rank: int) -> float:
        if self.mated_rank.size == 0:
            return math.nan
        return float(np.mean(self.mated_rank <= rank))

    def fnir(self, threshold: float) -> float:
        """Share of enrolled people not returned at rank 1 within the threshold (NIST FNIR)."""
        if self.mated_rank.size == 0:
            return math.nan
        hit = self.mated_true_is_first & (self.mated_nearest <= threshold)
        return float(1.0 - np.mean(hit))

    def fpir(self, threshold: float) -> float:
        """Share of never-enrolled people who match anyone within the threshold (NIST FPIR)."""
        if self.nonmated_nearest.size == 0:
            return math.nan
        return float(np.mean(self.nonmated_nearest <= threshold))

    def threshold_at_fpir(self, fpir: float) -> float:
        return threshold_at_rate(self.nonmated_nearest, fpir)


def open_set_scores(
    gallery: Gallery,
    mated: npt.NDArray[np.float32],
    mated_subjects: Sequence[str],
    nonmated: npt.NDArray[np.float32],
) -> OpenSetScores:
    """Score mated probes (people who are enrolled) and non-mated probes (who are not)."""
    names = gallery.subject_names
    column = {name: i for i, name in enumerate(names)}
    ranks: list[int] = []
    nearest: list[float] = []
    first: list[bool] = []
    if len(mated_subjects):
        dist = subject_distances(gallery, mated)
        for row, subject in zip(dist, mated_subjects, strict=True):
            j = column.get(subject)
            true_d = row[j] if j is not None else math.inf
            ranks.append(int(np.sum(row < true_d)) + 1 if j is not None else len(names) + 1)
            nearest.append(float(row.min()))
            first.append(j is not None and bool(true_d <= row.min()))
    non = subject_distances(gallery, nonmated).min(axis=1) if len(nonmated) else np.zeros(0)
    return OpenSetScores(
        mated_rank=np.asarray(ranks, dtype=np.int64),
        mated_nearest=np.asarray(nearest, dtype=np.float64),
        mated_true_is_first=np.asarray(first, dtype=bool),
        nonmated_nearest=np.asarray(non, dtype=np.float64),
    )


# -- helpers --------------------------------------------------------------------------------------


def pair_distances(
    pairs: Iterable[Pair], embeddings: Mapping[Path, npt.NDArray[np.float32] | None], root: Path
) -> tuple[FloatArray, BoolArray, npt.NDArray[np.int64], int]:
    """Distances of every pair in file order; a pair with a missing embedding gets distance
    +inf (counted as "different", the honest failure). Returns distances, labels, folds and the
    number of pairs that had a missing embedding."""
    distances: list[float] = []
    labels: list[bool] = []
    folds: list[int] = []
    missing = 0
    for pair in pairs:
        a, b = (embeddings.get(p) for p in pair.paths(root))
        if a is None or b is None:
            missing += 1
            distances.append(math.inf)
        else:
            diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
            distances.append(float(np.sqrt(diff @ diff)))
        labels.append(pair.same)
        folds.append(pair.fold)
    return (
        np.asarray(distances),
        np.asarray(labels, dtype=bool),
        np.asarray(folds, dtype=np.int64),
        missing,
    )
