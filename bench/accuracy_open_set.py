"""Open-set 1:N on lfw_dev from the cached embeddings (run through bench/accuracy.py):
`identify` (rank-1/5, hit rate and stranger-match rate per threshold, s-norm), and `strict`
(the product's strict preset calibrated on one half of the people and tested on the other).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from _accuracy_data import (
    embeddings_for,
    load_rows,
)

from rekog_desktop.evaluation import measures as ev

# -- open-set 1:N ---------------------------------------------------------------------------------


def split_identities(rows: dict[Path, dict[str, object]]) -> dict[str, dict[str, list[Path]]]:
    """People with 3+ photos are enrolled (first 2 photos) and probed with the rest; people with
    exactly 2 photos form the s-norm cohort only; people with 1 photo are never enrolled."""
    by_person: dict[str, list[Path]] = {}
    for path in sorted(rows):
        by_person.setdefault(path.parent.name, []).append(path)
    split: dict[str, dict[str, list[Path]]] = {"gallery": {}, "mated": {}, "cohort": {}, "non": {}}
    for name, paths in by_person.items():
        if len(paths) >= 3:
            split["gallery"][name] = paths[:2]
            split["mated"][name] = paths[2:]
        elif len(paths) == 2:
            split["cohort"][name] = paths
        else:
            split["non"][name] = paths
    return split


def _cohort_stats(
    vectors: np.ndarray, cohort: np.ndarray, top_k: int
) -> tuple[np.ndarray, np.ndarray]:
    d = np.sqrt(
        np.maximum(
            (vectors**2).sum(1)[:, None] - 2 * vectors @ cohort.T + (cohort**2).sum(1)[None, :], 0
        )
    )
    near = np.partition(d, top_k - 1, axis=1)[:, :top_k]
    return near.mean(1), near.std(1)


def identify_scores(
    rows: dict[Path, dict[str, object]],
    combine: str,
    *,
    enrol: int = 2,
    template: str = "min",
    snorm_k: int = 0,
    subjects: int | None = None,
) -> tuple[ev.OpenSetScores, int, int]:
    emb, _ = embeddings_for(rows, combine, ("up2", "cnn", "centred"))
    split = split_identities(rows)
    names = sorted(split["gallery"])
    if subjects is not None:
        names = names[:: max(1, len(names) // subjects)][:subjects]
    g_vecs, g_names = [], []
    for name in names:
        vs = [emb[p] for p in split["gallery"][name][:enrol] if emb[p] is not None]
        if template == "mean" and vs:
            vs = [np.mean(vs, axis=0)]
        g_vecs += vs
        g_names += [name] * len(vs)
    gallery = ev.Gallery(np.asarray(g_vecs, np.float64), tuple(g_names))
    mated = [(n, emb[p]) for n in names for p in split["mated"][n] if emb[p] is not None]
    non = [emb[p] for ps in split["non"].values() for p in ps if emb[p] is not None]
    m_vecs = np.asarray([v for _, v in mated])
    n_vecs = np.asarray(non)
    if not snorm_k:
        scores = ev.open_set_scores(gallery, m_vecs, [n for n, _ in mated], n_vecs)
        return scores, len(names), len(g_vecs)
    cohort = np.asarray(
        [emb[p] for ps in split["cohort"].values() for p in ps if emb[p] is not None]
    )
    g_mu, g_sd = _cohort_stats(gallery.vectors, cohort, snorm_k)

    def normalised(probes: np.ndarray) -> np.ndarray:
        p_mu, p_sd = _cohort_stats(probes, cohort, snorm_k)
        g = gallery.vectors
        d = np.sqrt(
            np.maximum((probes**2).sum(1)[:, None] - 2 * probes @ g.T + (g**2).sum(1)[None, :], 0)
        )
        return 0.5 * ((d - p_mu[:, None]) / p_sd[:, None] + (d - g_mu[None, :]) / g_sd[None, :])

    # Per-subject minimum of normalised face scores, then the same bookkeeping as open_set_scores.
    col = {n: i for i, n in enumerate(gallery.subject_names)}
    idx = np.array([col[s] for s in gallery.subjects])

    def per_subject(face_scores: np.ndarray) -> np.ndarray:
        out = np.full((face_scores.shape[0], len(col)), np.inf)
        for j in range(len(col)):
            out[:, j] = face_scores[:, idx == j].min(1)
        return out

    ms = per_subject(normalised(m_vecs))
    ns = per_subject(normalised(n_vecs)).min(1)
    true = np.array([ms[i, col[n]] for i, (n, _) in enumerate(mated)])
    scores = ev.OpenSetScores(
        mated_rank=(ms < true[:, None]).sum(1) + 1,
        mated_nearest=ms.min(1),
        mated_true_is_first=true <= ms.min(1),
        nonmated_nearest=ns,
    )
    return scores, len(names), len(g_vecs)


def _identify_line(
    label: str, scores: ev.OpenSetScores, n: int, faces: int, tol: float | None
) -> None:
    t1 = scores.threshold_at_fpir(0.01)
    at_tol = (
        f"hit {1 - scores.fnir(tol):.3f} FPIR {scores.fpir(tol):.3f}"
        if tol is not None
        else " " * 25
    )
    print(
        f"{label:<30} N={n:<4}F={faces:<4} rank1 {scores.rank_hit_rate(1):.3f} "
        f"rank5 {scores.rank_hit_rate(5):.3f}  @0.6 {at_tol}  "
        f"@FPIR1% t={t1:.3f} hit {1 - scores.fnir(t1):.3f}"
    )


def report_identify(root: Path) -> None:
    rows = load_rows(root)
    split = split_identities(rows)
    print(
        f"1:N on lfw_dev: {len(split['gallery'])} enrolled people (2 photos each), "
        f"{sum(map(len, split['mated'].values()))} mated probes, "
        f"{len(split['non'])} never-enrolled probes; cohort {len(split['cohort'])} people"
    )
    for combine in ("5pt", "5pt+flip", "68pt+flip", "all4"):
        for enrol, template in ((1, "min"), (2, "min"), (2, "mean")):
            scores, n, f = identify_scores(rows, combine, enrol=enrol, template=template)
            _identify_line(f"{combine} enrol{enrol} {template}", scores, n, f, 0.6)
        for k in (50, 200):
            scores, n, f = identify_scores(rows, combine, snorm_k=k)
            _identify_line(f"{combine} enrol2 s-norm{k}", scores, n, f, None)
    for subjects in (30, 60, 120):
        scores, n, f = identify_scores(rows, "5pt", subjects=subjects)
        _identify_line(f"5pt enrol2 min, N={subjects}", scores, n, f, 0.6)


# -- the product's strict preset, calibrated on one half of the people, tested on the other -------


def strict_holdout(root: Path, combine: str = "5pt") -> None:
    """Honest check of the calibration: build the table from half of lfw_dev's people (split
    by name hash), then run the 1:N protocol on the other half with the strict preset's
    threshold for that gallery size, and compare the promised FPIR with the measured one."""
    import zlib

    from rekog_desktop.core.scoring import calibration as cal
    from rekog_desktop.core.scoring import calibration_table as tables

    rows = load_rows(root)
    emb, _ = embeddings_for(rows, combine, ("up2", "cnn"))
    by_person: dict[str, list[np.ndarray]] = {}
    for path, v in sorted(emb.items()):
        if v is not None:
            by_person.setdefault(path.parent.name, []).append(v)

    def protocol(people: dict[str, list[np.ndarray]]):  # type: ignore[no-untyped-def]
        enrolled = {n: vs[:2] for n, vs in people.items() if len(vs) >= 3}
        names, tmpl = cal.templates(
            [v for vs in enrolled.values() for v in vs],
            [n for n, vs in enrolled.items() for _ in vs],
        )
        mated = [(n, v) for n, vs in people.items() if len(vs) >= 3 for v in vs[2:]]
        strangers = [vs[0] for vs in people.values() if len(vs) == 1]
        return names, tmpl, mated, strangers

    for calib_half in (0, 1):
        halves = [
            {n: vs for n, vs in by_person.items() if zlib.crc32(n.encode()) % 2 == h}
            for h in (0, 1)
        ]
        train, test = halves[calib_half], halves[1 - calib_half]
        vectors = [v for vs in train.values() for v in vs]
        labels = [n for n, vs in train.items() for _ in vs]
        impostor, genuine = cal.template_score_distances(vectors, labels)
        table = tables.build_table(impostor, genuine)
        names, tmpl, _, strangers = protocol(train)
        nearest = cal.unit_distances(cal.unit_rows(strangers), tmpl).min(axis=1)
        table = tables.CalibrationTable(
            **{
                **table.__dict__,
                "gallery_exponent": cal.fit_gallery_exponent(table, nearest, len(names)),
            }
        )
        names, tmpl, mated, strangers = protocol(test)
        calibrator = cal.Calibrator(
            table=table,
            subjects=cal.SubjectTemplates(np.arange(len(names)), tmpl, len(names) * 2, np.zeros(0)),
        )
        threshold = calibrator.strict_threshold()
        d_non = cal.unit_distances(cal.unit_rows(strangers), tmpl).min(axis=1)
        d_mated = cal.unit_distances(cal.unit_rows([v for _, v in mated]), tmpl)
        index = {n: i for i, n in enumerate(names)}
        true = np.array([index[n] for n, _ in mated])
        first = d_mated.argmin(axis=1) == true
        hit = first & (d_mated.min(axis=1) <= threshold)
        oracle = ev.threshold_at_rate(d_non, 0.01)
        hit_oracle = first & (d_mated.min(axis=1) <= oracle)
        print(
            f"{combine}: calibrated on half {calib_half} (exponent {table.gallery_exponent:.2f}), "
            f"tested on {len(names)} subjects, {len(mated)} mated, {len(strangers)} strangers: "
            f"strict t={threshold:.3f} promised FPIR {calibrator.fpir(threshold):.3f} "
            f"measured {np.mean(d_non <= threshold):.3f}, hit rate {hit.mean():.3f} "
            f"(oracle t={oracle:.3f} hit {hit_oracle.mean():.3f}); rank-1 {first.mean():.3f}"
        )
