"""Shared fixtures: the real photo data in ../shared/data and stores built from it.

The data is read in place (never copied into the repo); REKOG_TEST_DATA overrides its path.
Tests that need it skip with a clear reason when it is absent; .ci/run refuses to run without it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from rekog_desktop.core.cases.roles import Role
from rekog_desktop.core.cases.users import Officer, add_user, get_user, sign_in
from rekog_desktop.core.gallery.importer import ImportSummary, collect_items, import_photos
from rekog_desktop.core.gallery.store import GalleryStore

# Signing keys and latest checkpoints of the stores made by tests (and by the subprocesses
# they start) go to a folder of this run, never the user's own keys folder.
os.environ["REKOG_KEYS"] = tempfile.mkdtemp(prefix="rekog-test-keys-")


_DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _data_root() -> Path:
    return Path(os.environ.get("REKOG_TEST_DATA", _DEFAULT_DATA))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    root = _data_root()
    if not (root / "faces").is_dir():
        pytest.skip(f"real test photos not found at {root} (set REKOG_TEST_DATA)")
    return root


@pytest.fixture(scope="session")
def faces_dir(data_dir: Path) -> Path:
    return data_dir / "faces"


def identity_dirs(faces_dir: Path) -> list[Path]:
    """Folders of one named person each (not _noface, _group, _edgecases)."""
    return sorted(p for p in faces_dir.iterdir() if p.is_dir() and not p.name.startswith("_"))


def password_of(name: str) -> str:
    """The password tests give the officer `name` (typed on stdin with --password-stdin)."""
    return f"pw-{name}-1"


def officer(store: GalleryStore, name: str | None = None, role: Role | str = "analyst") -> Officer:
    """Sign in `name` through the real rules, registering them first when new: the OS account
    (None) becomes the store's first user, a supervisor; others are added by that supervisor
    with a password and sign in with it."""
    if name is None:
        return sign_in(store, None, lambda _prompt: None)
    if get_user(store, name) is None:
        chief = sign_in(store, None, lambda _prompt: None)
        add_user(store, chief, name, role, password_of(name))
    return sign_in(store, name, lambda _prompt: password_of(name))


def run_import(store: GalleryStore, paths: list[Path], **kwargs: object) -> ImportSummary:
    """Drive the import generator to the end and return its summary."""
    subject = kwargs.pop("subject", None)
    from_folder = bool(kwargs.pop("subject_from_folder", subject is None))
    walk = collect_items(paths, subject=subject, subject_from_folder=from_folder)  # type: ignore[arg-type]
    assert not walk.failed, walk.failed
    run = import_photos(store, walk.items, **kwargs)  # type: ignore[arg-type]
    while True:
        try:
            next(run)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]


@pytest.fixture
def fresh_store(tmp_path: Path) -> Iterator[GalleryStore]:
    store = GalleryStore(tmp_path / "gallery.sqlite")
    yield store
    store.close()


@pytest.fixture(scope="session")
def held_out(faces_dir: Path) -> dict[str, Path]:
    """One photo per identity with 2+ photos, kept out of the session gallery as a probe."""
    chosen = {}
    for folder in identity_dirs(faces_dir):
        photos = sorted(p for p in folder.iterdir() if p.is_file())
        if len(photos) >= 2:
            chosen[folder.name] = photos[-1]
    return chosen


@pytest.fixture(scope="session")
def gallery_path(
    tmp_path_factory: pytest.TempPathFactory, faces_dir: Path, held_out: dict[str, Path]
) -> Path:
    """A store of every identity folder minus the held-out probes, built once per session."""
    path = tmp_path_factory.mktemp("gallery") / "gallery.sqlite"
    photos = [
        p
        for folder in identity_dirs(faces_dir)
        for p in sorted(folder.iterdir())
        if p.is_file() and p not in held_out.values()
    ]
    with GalleryStore(path) as store:
        summary = run_import(store, photos, subject_from_folder=True)
    assert not summary.failed, summary.failed
    return path


@pytest.fixture
def gallery_store(gallery_path: Path) -> Iterator[GalleryStore]:
    """A connection to the session gallery (read it, do not change it)."""
    store = GalleryStore(gallery_path)
    yield store
    store.close()
