"""Schema of the gallery store, as an ordered list of sqlite-utils migrations.

Never edit an applied migration: add a new one. Stores created by older versions are upgraded
in place when opened.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database, Migrations

MIGRATIONS = Migrations("rekog_desktop")


def _run(db: Database, script: str) -> None:
    """Run statements one by one: `executescript` would commit the migration's transaction."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if statement.strip() and sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""


@MIGRATIONS(name="0001_gallery")
def _gallery(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO meta (key, value) VALUES ('generation', 0);
        INSERT INTO meta (key, value) VALUES ('store_id', abs(random()));

        CREATE TABLE subjects (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            notes TEXT NOT NULL DEFAULT '',
            created_utc TEXT NOT NULL
        );

        CREATE TABLE photos (
            id INTEGER PRIMARY KEY,
            subject_id INTEGER REFERENCES subjects(id) ON DELETE SET NULL,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            imported_utc TEXT NOT NULL,
            imported_by TEXT NOT NULL,
            face_count INTEGER NOT NULL
        );
        CREATE INDEX photos_subject ON photos(subject_id);

        CREATE TABLE faces (
            id INTEGER PRIMARY KEY,
            photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
            subject_id INTEGER REFERENCES subjects(id) ON DELETE SET NULL,
            top INTEGER NOT NULL,
            right INTEGER NOT NULL,
            bottom INTEGER NOT NULL,
            "left" INTEGER NOT NULL,
            landmarks TEXT NOT NULL,
            embedding BLOB NOT NULL CHECK (length(embedding) = 512),
            quality TEXT NOT NULL,
            engine TEXT NOT NULL,
            engine_version TEXT NOT NULL,
            thumbnail BLOB
        );
        CREATE INDEX faces_photo ON faces(photo_id);
        CREATE INDEX faces_subject ON faces(subject_id);

        CREATE TRIGGER faces_insert_gen AFTER INSERT ON faces
        BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
        CREATE TRIGGER faces_delete_gen AFTER DELETE ON faces
        BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
        CREATE TRIGGER faces_update_gen AFTER UPDATE OF subject_id, embedding ON faces
        BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
        CREATE TRIGGER subjects_update_gen AFTER UPDATE OF name ON subjects
        BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
        """,
    )


@MIGRATIONS(name="0002_cases_audit")
def _cases_audit(db: Database) -> None:
    _run(
        db,
        """
        INSERT INTO meta (key, value) VALUES ('audit_seq', 0);

        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('analyst', 'reviewer', 'supervisor', 'auditor')),
            password_hash TEXT,
            created_utc TEXT NOT NULL
        );

        CREATE TABLE cases (
            id INTEGER PRIMARY KEY,
            number TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            purpose TEXT NOT NULL,
            legal_basis TEXT NOT NULL,
            officer TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
            opened_utc TEXT NOT NULL,
            closed_utc TEXT
        );

        CREATE TABLE case_notes (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id),
            text TEXT NOT NULL,
            author TEXT NOT NULL,
            created_utc TEXT NOT NULL
        );

        CREATE TABLE searches (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id),
            kind TEXT NOT NULL DEFAULT 'image',
            probe_path TEXT NOT NULL,
            probe_sha256 TEXT NOT NULL,
            face_index INTEGER NOT NULL,
            face_box TEXT NOT NULL,
            quality TEXT NOT NULL,
            probe_thumbnail BLOB,
            context TEXT NOT NULL DEFAULT '{}',
            top_k INTEGER NOT NULL,
            tolerance REAL NOT NULL,
            preset TEXT NOT NULL DEFAULT 'investigative',
            engine TEXT NOT NULL,
            engine_version TEXT NOT NULL,
            gallery_faces INTEGER NOT NULL,
            within_tolerance INTEGER NOT NULL,
            actor TEXT NOT NULL,
            os_user TEXT NOT NULL,
            created_utc TEXT NOT NULL
        );
        CREATE INDEX searches_case ON searches(case_id);

        CREATE TABLE search_candidates (
            search_id INTEGER NOT NULL REFERENCES searches(id),
            rank INTEGER NOT NULL,
            face_id INTEGER NOT NULL,
            subject TEXT NOT NULL,
            photo_path TEXT NOT NULL,
            photo_sha256 TEXT NOT NULL,
            box TEXT NOT NULL,
            distance REAL NOT NULL,
            within_tolerance INTEGER NOT NULL,
            est_fmr REAL,
            thumbnail BLOB,
            PRIMARY KEY (search_id, rank)
        );

        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            search_id INTEGER NOT NULL REFERENCES searches(id),
            rank INTEGER NOT NULL,
            verdict TEXT NOT NULL CHECK (verdict IN ('accept', 'reject', 'inconclusive')),
            reason TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            os_user TEXT NOT NULL,
            created_utc TEXT NOT NULL,
            FOREIGN KEY (search_id, rank) REFERENCES search_candidates(search_id, rank)
        );
        CREATE INDEX decisions_search ON decisions(search_id);

        CREATE TABLE verifications (
            id INTEGER PRIMARY KEY,
            decision_id INTEGER NOT NULL REFERENCES decisions(id),
            verdict TEXT NOT NULL CHECK (verdict IN ('confirm', 'dispute')),
            reason TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            os_user TEXT NOT NULL,
            created_utc TEXT NOT NULL
        );

        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            created_utc TEXT NOT NULL,
            actor TEXT NOT NULL,
            os_user TEXT NOT NULL,
            case_number TEXT,
            event_type TEXT NOT NULL,
            data TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX audit_case ON audit(case_number);

        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
        CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are append-only: record a new one'); END;
        CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are append-only: record a new one'); END;
        CREATE TRIGGER notes_no_update BEFORE UPDATE ON case_notes
        BEGIN SELECT RAISE(ABORT, 'case notes are append-only'); END;
        CREATE TRIGGER notes_no_delete BEFORE DELETE ON case_notes
        BEGIN SELECT RAISE(ABORT, 'case notes are append-only'); END;
        """,
    )


@MIGRATIONS(name="0003_search_estimates")
def _search_estimates(db: Database) -> None:
    """What the officer was told about a search's reliability, kept with it: the chance that a
    never-enrolled person matches anyone, the strict threshold, the gallery's size, and the
    smallest false-match estimate the calibration could give (a bound, not a value)."""
    _run(
        db,
        """
        ALTER TABLE searches ADD COLUMN never_enrolled_match REAL;
        ALTER TABLE searches ADD COLUMN strict_threshold REAL;
        ALTER TABLE searches ADD COLUMN gallery_subjects INTEGER;
        ALTER TABLE searches ADD COLUMN fmr_floor REAL;
        """,
    )


@MIGRATIONS(name="0004_row_coverage")
def _row_coverage(db: Database) -> None:
    """From here on every decision, verification, note and search row must match the audit
    event that recorded it (audit.verify), and every event is signed with the store's key;
    rows and events written before this upgrade were not, so coverage starts after them."""
    db.execute("ALTER TABLE audit ADD COLUMN signature TEXT")
    for table in ("decisions", "verifications", "case_notes", "searches", "audit"):
        db.execute(
            f"INSERT INTO meta (key, value) SELECT 'covered_after_{table}', "
            f"coalesce(max(id), 0) FROM {table}"
        )


@MIGRATIONS(name="0005_raw_file_names")
def _raw_file_names(db: Database) -> None:
    """A photo whose file name is not valid UTF-8 keeps its bytes here (`path` holds the
    displayable form), so the file can be opened again and the name is never lost."""
    db.execute("ALTER TABLE photos ADD COLUMN path_raw BLOB")


@MIGRATIONS(name="0008_retention")
def _retention(db: Database) -> None:
    """Case purge after the retention period: a case keeps its number, title and dates with
    `purged_utc` set, and its searches, candidate snapshots, decisions, verifications and notes
    go. Decisions and notes stay append-only for every case not being purged: their delete
    triggers let a row go only once its case is marked purged (in the purge's transaction,
    whose audit receipt lists every row removed), and only a closed case can be marked."""
    _run(
        db,
        """
        ALTER TABLE cases ADD COLUMN purged_utc TEXT;

        CREATE TRIGGER cases_purge_closed_only BEFORE UPDATE OF purged_utc ON cases
        WHEN NEW.purged_utc IS NOT NULL AND NEW.status != 'closed'
        BEGIN SELECT RAISE(ABORT, 'only a closed case can be purged'); END;
        CREATE TRIGGER cases_no_reopen_purged BEFORE UPDATE OF status ON cases
        WHEN OLD.purged_utc IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'a purged case cannot be reopened'); END;

        DROP TRIGGER decisions_no_delete;
        CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
        WHEN NOT EXISTS (
            SELECT 1 FROM searches s JOIN cases c ON c.id = s.case_id
            WHERE s.id = OLD.search_id AND c.purged_utc IS NOT NULL
        )
        BEGIN SELECT RAISE(ABORT, 'decisions are append-only: record a new one'); END;

        DROP TRIGGER notes_no_delete;
        CREATE TRIGGER notes_no_delete BEFORE DELETE ON case_notes
        WHEN NOT EXISTS (
            SELECT 1 FROM cases c WHERE c.id = OLD.case_id AND c.purged_utc IS NOT NULL
        )
        BEGIN SELECT RAISE(ABORT, 'case notes are append-only'); END;
        """,
    )


@MIGRATIONS(name="0009_case_notes")
def _case_notes(db: Database) -> None:
    """What the case notes need to be read without the app: each candidate's template distance
    (the distance its estimated false-match rate is read at, which the photo distance beside it
    is not), and the whole probe picture a search was run on, once per picture (by SHA-256),
    shrunk for the page, so the notes show where each searched face sat in it."""
    _run(
        db,
        """
        ALTER TABLE search_candidates ADD COLUMN template_distance REAL;
        CREATE TABLE probe_images (
            sha256 TEXT PRIMARY KEY,
            jpeg BLOB NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            created_utc TEXT NOT NULL
        );
        """,
    )


@MIGRATIONS(name="0010_dominant_face")
def _dominant_face(db: Database) -> None:
    """A photo filed under a name that shows several faces keeps how its enrolled face was
    chosen (core/faces/dominant.py): the rule's name and margins, the measures it read and its
    answer, as JSON; NULL for photos that needed no choice (one face, or filed under nobody)."""
    db.execute("ALTER TABLE photos ADD COLUMN face_choice TEXT")


@MIGRATIONS(name="0012_clusters")
def _clusters(db: Database) -> None:
    """The unknown faces of a case grouped into persons (issue 17). `cluster_faces`: each face
    of the case's material (a photo face, or a clip track as one face) with its embedding, never
    enrolled in the gallery; `key` keeps a re-run over the same material from adding it twice.
    `cluster_edits`: the analyst's merges, splits and "not the same person" rules (face ids on
    each side), kept through every re-clustering until undone (`undone_utc`), never deleted
    while the case lives. `cluster_runs` / `cluster_members`: each clustering's result, the
    latest being what the analyst sees; earlier runs stay for the record."""
    _run(
        db,
        """
        CREATE TABLE cluster_faces (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id),
            key TEXT NOT NULL,
            kind TEXT NOT NULL,
            media_path TEXT NOT NULL,
            media_sha256 TEXT NOT NULL,
            frame INTEGER,
            box TEXT NOT NULL,
            frames TEXT NOT NULL DEFAULT '[]',
            start_s REAL,
            end_s REAL,
            embedding BLOB NOT NULL,
            quality TEXT NOT NULL,
            thumbnail BLOB,
            created_utc TEXT NOT NULL,
            UNIQUE (case_id, key)
        );
        CREATE TABLE cluster_edits (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id),
            kind TEXT NOT NULL,
            side_a TEXT NOT NULL,
            side_b TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            actor TEXT NOT NULL,
            created_utc TEXT NOT NULL,
            undone_utc TEXT,
            undone_by TEXT
        );
        CREATE TABLE cluster_runs (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id),
            cut REAL NOT NULL,
            cause TEXT NOT NULL,
            actor TEXT NOT NULL,
            created_utc TEXT NOT NULL
        );
        CREATE TABLE cluster_members (
            run_id INTEGER NOT NULL REFERENCES cluster_runs(id),
            face_id INTEGER NOT NULL REFERENCES cluster_faces(id),
            cluster INTEGER,
            purity REAL,
            position INTEGER NOT NULL,
            PRIMARY KEY (run_id, face_id)
        );
        CREATE INDEX cluster_faces_case ON cluster_faces(case_id);
        CREATE INDEX cluster_edits_case ON cluster_edits(case_id);
        CREATE INDEX cluster_runs_case ON cluster_runs(case_id);
        """,
    )
