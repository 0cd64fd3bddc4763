"""The workspace database: one SQLite file per workspace, schema versioned by migrations.

Articles, statements and analyst decisions are primary data: analysis never
deletes or rewrites them. Links, groups, quantities and verdicts are derived
data: each analysis run replaces them in one transaction, so a crash mid-run
leaves the previous results in place. Every write happens in a transaction.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from .clean import word_count
from .errors import StoreError
from .model import Article, Attribution, Claims, Decision, Group, Hedge, Link, Quantity, Relation, Statement, Story

log = logging.getLogger(__name__)

# Each migration moves the schema from version i to i+1. Never edit a released
# migration: add a new one, so existing workspaces upgrade in place.
MIGRATIONS: list[str] = [
    # 1: foundation - articles, statements, inputs, decisions, runs
    """
    CREATE TABLE workspace (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE inputs (
        input_id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        seen_at TEXT NOT NULL,
        added INTEGER NOT NULL,
        duplicates INTEGER NOT NULL,
        errors INTEGER NOT NULL
    );
    CREATE TABLE articles (
        seq INTEGER PRIMARY KEY,
        article_id TEXT NOT NULL UNIQUE,
        text TEXT NOT NULL,
        title TEXT NOT NULL,
        source TEXT NOT NULL,
        url TEXT NOT NULL,
        published TEXT NOT NULL,
        language TEXT NOT NULL,
        origin TEXT NOT NULL,
        encoding TEXT NOT NULL,
        meta TEXT NOT NULL,
        added_at TEXT NOT NULL
    );
    CREATE TABLE statements (
        vector_id INTEGER PRIMARY KEY,
        statement_id TEXT NOT NULL UNIQUE,
        article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        language TEXT NOT NULL,
        language_source TEXT NOT NULL,
        structural_reason TEXT NOT NULL,
        corpus_reason TEXT NOT NULL DEFAULT '',
        is_title INTEGER NOT NULL
    );
    CREATE INDEX statements_article ON statements(article_id, position);
    CREATE INDEX statements_hash ON statements(text_hash);
    CREATE TABLE decisions (
        decision_id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        statement_ids TEXT NOT NULL,
        target_ids TEXT NOT NULL,
        value TEXT NOT NULL,
        author TEXT NOT NULL,
        created TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1
    );
    CREATE TABLE runs (
        run_id INTEGER PRIMARY KEY,
        started TEXT NOT NULL,
        finished TEXT,
        manifest TEXT NOT NULL
    );
    """,
    # 2: cross-lingual groups - links with their scores, groups, members; note subjects
    """
    ALTER TABLE decisions ADD COLUMN subject TEXT NOT NULL DEFAULT '';
    CREATE TABLE links (
        source_id TEXT NOT NULL,
        target_id TEXT NOT NULL,
        cosine REAL NOT NULL,
        cosine_centered REAL NOT NULL,
        margin REAL NOT NULL,
        rank INTEGER NOT NULL,
        mutual INTEGER NOT NULL,
        score REAL NOT NULL,
        tier TEXT NOT NULL,
        shared TEXT NOT NULL,
        PRIMARY KEY (source_id, target_id)
    );
    CREATE INDEX links_target ON links(target_id);
    CREATE TABLE groups (
        group_id TEXT PRIMARY KEY,
        label_statement_id TEXT NOT NULL,
        tier TEXT NOT NULL,
        article_ids TEXT NOT NULL,
        languages TEXT NOT NULL,
        rank INTEGER NOT NULL
    );
    CREATE TABLE group_members (
        statement_id TEXT PRIMARY KEY,
        group_id TEXT NOT NULL REFERENCES groups(group_id) ON DELETE CASCADE,
        member_tier TEXT NOT NULL,
        score_cosine REAL,
        score_margin REAL
    );
    CREATE INDEX group_members_group ON group_members(group_id);
    CREATE TABLE hubness (statement_id TEXT PRIMARY KEY, value REAL NOT NULL);
    """,
    # 3: claims and verdicts - quantities, attributions, hedges per statement; relations and group verdicts
    """
    CREATE TABLE quantities (
        statement_id TEXT NOT NULL,
        idx INTEGER NOT NULL,
        text TEXT NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        value REAL,
        low REAL,
        high REAL,
        approximator TEXT NOT NULL,
        unit TEXT NOT NULL,
        unit_key TEXT NOT NULL,
        kind TEXT NOT NULL,
        language TEXT NOT NULL,
        PRIMARY KEY (statement_id, idx)
    );
    CREATE INDEX quantities_unit ON quantities(unit_key);
    CREATE TABLE attributions (
        statement_id TEXT NOT NULL,
        idx INTEGER NOT NULL,
        text TEXT NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        cue TEXT NOT NULL,
        PRIMARY KEY (statement_id, idx)
    );
    CREATE TABLE hedges (
        statement_id TEXT NOT NULL,
        idx INTEGER NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        PRIMARY KEY (statement_id, idx)
    );
    CREATE TABLE relations (
        group_id TEXT NOT NULL,
        source_id TEXT NOT NULL,
        target_id TEXT NOT NULL,
        relation TEXT NOT NULL,
        explanation TEXT NOT NULL,
        details TEXT NOT NULL,
        PRIMARY KEY (group_id, source_id, target_id)
    );
    ALTER TABLE groups ADD COLUMN verdict TEXT NOT NULL DEFAULT '';
    ALTER TABLE groups ADD COLUMN verdict_source TEXT NOT NULL DEFAULT '';
    ALTER TABLE groups ADD COLUMN explanation TEXT NOT NULL DEFAULT '';
    """,
    # 4: stories - articles that tell the same news; each claim group belongs to one
    """
    CREATE TABLE stories (
        story_id TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        article_ids TEXT NOT NULL,
        languages TEXT NOT NULL,
        cohesion REAL NOT NULL,
        rank INTEGER NOT NULL
    );
    CREATE TABLE article_stories (
        article_id TEXT PRIMARY KEY,
        story_id TEXT NOT NULL REFERENCES stories(story_id) ON DELETE CASCADE
    );
    CREATE INDEX article_stories_story ON article_stories(story_id);
    ALTER TABLE groups ADD COLUMN story_id TEXT NOT NULL DEFAULT '';
    """,
    # 5: interrupted work is marked - an input recorded before it is read, a run's status
    """
    ALTER TABLE inputs ADD COLUMN complete INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE runs ADD COLUMN status TEXT NOT NULL DEFAULT 'finished';
    UPDATE runs SET status = 'interrupted' WHERE finished IS NULL;
    """,
    # 6: an undo records who did it and when
    """
    ALTER TABLE decisions ADD COLUMN undone_by TEXT NOT NULL DEFAULT '';
    ALTER TABLE decisions ADD COLUMN undone_at TEXT NOT NULL DEFAULT '';
    """,
    # 7: articles from the web - the outlet's name, the addresses (and feed GUIDs) an article is
    # known by, so a page fetched again or under another URL of its canonical page is stored once;
    # a group's qualifier (conflicting figures published months apart)
    """
    ALTER TABLE articles ADD COLUMN outlet TEXT NOT NULL DEFAULT '';
    CREATE TABLE article_keys (
        key TEXT PRIMARY KEY,
        article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
        kind TEXT NOT NULL
    );
    CREATE INDEX article_keys_article ON article_keys(article_id);
    INSERT OR IGNORE INTO article_keys(key, article_id, kind) SELECT url, article_id, 'url' FROM articles WHERE url != '';
    ALTER TABLE groups ADD COLUMN qualifier TEXT NOT NULL DEFAULT '';
    """,
    # 8: incremental analysis - each grouped statement's evidence keys (counted things, names,
    # figures), kept so that a later analysis weighs their rarity without reading every statement
    """
    CREATE TABLE statement_keys (
        statement_id TEXT NOT NULL,
        key TEXT NOT NULL,
        PRIMARY KEY (statement_id, key)
    );
    CREATE INDEX statement_keys_key ON statement_keys(key);
    """,
    # 9: each statement's word count, counted once at ingest (see Statement.word_count)
    """
    ALTER TABLE statements ADD COLUMN word_count INTEGER NOT NULL DEFAULT -1;
    UPDATE statements SET word_count = workbench_word_count(text);
    """,
]


def _process_gone(run_manifest: str) -> bool:
    """Whether the process a run's manifest names has ended, on this host. A run started on
    another host (a shared folder) cannot be checked and counts as still running."""
    process = json.loads(run_manifest).get("process", {})
    if process.get("host") != socket.gethostname():
        return False
    pid = int(process.get("pid", 0))
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


class ResultsChanged(Exception):
    """Groups were computed from results that an analysis or a decision has since replaced."""


def _unwritable_reason(path: Path) -> str:
    """Why an existing workspace database cannot be written, or "" when it can (or is new)."""
    if not path.exists():
        return ""
    folder = path.parent
    if not os.access(path, os.W_OK):
        return "its database file is not writable"
    if not os.access(folder, os.W_OK):
        return "its folder is not writable"
    return ""


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    """Access to one workspace database. Not shared across threads: open one per thread."""

    def __init__(self, path: str | Path, *, read_only: bool = False):
        """Open (creating if needed) the workspace database at ``path``.

        A database the user may not write (a read-only mount, another user's files) is opened
        read-only: every reading command works, and a write raises a :class:`StoreError` that
        says so, instead of SQLite's "attempt to write a readonly database".
        """
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise StoreError(f"{self.path}: no workspace database here (run `workbench ingest` first)")
        folder = self.path.parent
        if folder.exists() and not folder.is_dir():
            raise StoreError(f"{folder}: is a file, not a workspace folder; give --workspace a folder path "
                             "(it is created if missing) or a name such as 'demo'")
        self.read_only_reason = "opened read-only" if read_only else _unwritable_reason(self.path)
        if not self.read_only_reason:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{folder}: cannot create the workspace folder ({exc.strerror or exc}); "
                                 "choose a folder you may write to") from None
        try:
            self._db = self._connect()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the workspace database ({exc})") from None
        self._depth = 0
        if self.read_only_reason:
            self._check_readable_schema()
            log.info("workspace %s is read-only (%s): reading only", self.path, self.read_only_reason)
        else:
            self._migrate()

    def _connect(self) -> sqlite3.Connection:
        if not self.read_only_reason:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._configure(db)
            try:
                db.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                pass  # e.g. a read-only medium: rollback journal still gives atomic writes
            return db
        # Reading a WAL database needs its -shm file; on a read-only medium that cannot be
        # made, so the file is read as immutable (nobody can write it there either).
        for flags in ("mode=ro", "immutable=1"):
            db = sqlite3.connect(f"{self.path.resolve().as_uri()}?{flags}", uri=True, isolation_level=None,
                                 check_same_thread=False)
            try:
                self._configure(db)
                db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                return db
            except sqlite3.OperationalError:
                db.close()
                if flags == "immutable=1":
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def _configure(db: sqlite3.Connection) -> None:
        db.row_factory = sqlite3.Row
        db.create_function("workbench_word_count", 1, word_count, deterministic=True)  # migration 9
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA busy_timeout = 10000")

    @property
    def read_only(self) -> bool:
        return bool(self.read_only_reason)

    def _check_readable_schema(self) -> None:
        version = self.schema_version
        if version != len(MIGRATIONS):
            newer = version > len(MIGRATIONS)
            raise StoreError(
                f"{self.path}: the workspace is read-only ({self.read_only_reason}) and was written by "
                f"{'a newer' if newer else 'an older'} workbench (schema {version}, this one knows {len(MIGRATIONS)}); "
                + ("upgrade the workbench" if newer else
                   "copy the workspace folder somewhere writable so it can be upgraded"))

    def _refuse_write(self) -> StoreError:
        return StoreError(
            f"{self.path}: the workspace is read-only ({self.read_only_reason}); this needs to write to it. "
            "Reading commands (summary, statements, groups, stories, search, export) still work; to change it, "
            "copy the workspace folder somewhere writable (--workspace PATH) or fix its permissions")

    # -- lifecycle -----------------------------------------------------------------
    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: this workspace was written by a newer workbench (schema {version}, "
                f"this one knows {len(MIGRATIONS)}); upgrade the workbench"
            )
        for number in range(version, len(MIGRATIONS)):
            with self.transaction():
                for statement in _split_sql(MIGRATIONS[number]):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {number + 1}")
            log.info("workspace %s: schema migrated to version %d", self.path, number + 1)
        if self.get_meta("workspace_id") is None:
            with self.transaction():
                self.set_meta("workspace_id", uuid.uuid4().hex)
                self.set_meta("created", utc_now())

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All writes inside commit together or not at all; nested calls join the outer one."""
        if self.read_only:
            raise self._refuse_write()
        if self._depth == 0:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "readonly" in str(exc) or "read-only" in str(exc):
                    self.read_only_reason = str(exc)
                    raise self._refuse_write() from None
                raise
        self._depth += 1
        try:
            yield self._db
        except sqlite3.OperationalError as exc:
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("ROLLBACK")
            if "readonly" in str(exc):
                self.read_only_reason = str(exc)
                raise self._refuse_write() from None
            raise
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("ROLLBACK")
            raise
        else:
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("COMMIT")

    # -- workspace metadata ----------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM workspace WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO workspace(key, value) VALUES (?, ?)", (key, value))

    @property
    def workspace_id(self) -> str:
        return self.get_meta("workspace_id") or ""

    # -- inputs and articles ---------------------------------------------------------
    def begin_input(self, path: str, sha256: str, size: int) -> int:
        """Record an input before it is read, as incomplete: a run killed while reading it still
        shows the file, and what was stored from it. Reading a file again after such a kill
        takes over its record, which then counts the articles of both reads."""
        with self.transaction() as db:
            unfinished = db.execute("SELECT input_id FROM inputs WHERE path = ? AND sha256 = ? AND complete = 0",
                                    (path, sha256)).fetchone()
            if unfinished is not None:
                db.execute("UPDATE inputs SET added = ?, seen_at = ? WHERE input_id = ?",
                           (self._articles_from(path), utc_now(), unfinished[0]))
                return int(unfinished[0])
            cursor = db.execute(
                "INSERT INTO inputs(path, sha256, size, seen_at, added, duplicates, errors, complete)"
                " VALUES (?,?,?,?,0,0,0,0)", (path, sha256, size, utc_now()))
            return int(cursor.lastrowid)

    def finish_input(self, input_id: int, added: int, duplicates: int, errors: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE inputs SET added = added + ?, duplicates = ?, errors = ?, complete = 1"
                       " WHERE input_id = ?", (added, duplicates, errors, input_id))

    def inputs(self) -> list[dict[str, Any]]:
        """Each input file once (by path and content): its articles and whether reading it finished.

        For a file whose reading was interrupted, ``added`` counts the articles stored from it."""
        rows = self._db.execute(
            """SELECT path, sha256, size, MAX(seen_at) AS seen_at, SUM(added) AS added, MAX(complete) AS complete
               FROM inputs GROUP BY path, sha256 ORDER BY path"""
        ).fetchall()
        result = []
        for row in rows:
            entry = dict(row)
            entry["complete"] = bool(entry["complete"])
            if not entry["complete"]:
                entry["added"] = self._articles_from(entry["path"])
            result.append(entry)
        return result

    def _articles_from(self, path: str) -> int:
        """Articles stored from input ``path`` (a row file's articles have origin ``path:line``)."""
        return int(self._db.execute(
            "SELECT COUNT(*) FROM articles WHERE origin = ? OR substr(origin, 1, ?) = ?",
            (path, len(path) + 1, path + ":")).fetchone()[0])

    def articles_with_origin(self, origin: str) -> list[str]:
        """The ids of the articles stored from exactly ``origin`` (a file's path), oldest first."""
        return [row[0] for row in self._db.execute("SELECT article_id FROM articles WHERE origin = ? ORDER BY seq",
                                                   (origin,))]

    def article_origin(self, article_id: str) -> str | None:
        row = self._db.execute("SELECT origin FROM articles WHERE article_id = ?", (article_id,)).fetchone()
        return None if row is None else row[0]

    def add_article(self, article: Article, statements: Sequence[Statement],
                    keys: Sequence[tuple[str, str]] = ()) -> bool:
        """Store an article with its statements atomically. False if it was already stored.

        ``keys``: ``(key, kind)`` pairs the article is also known by (its addresses, a feed
        GUID; see :meth:`article_by_keys`), stored with it."""
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM articles WHERE article_id = ?", (article.article_id,)).fetchone():
                return False
            db.execute(
                "INSERT INTO articles(article_id, text, title, source, url, published, language, origin,"
                " encoding, meta, added_at, outlet) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    article.article_id, article.text, article.title, article.source, article.url,
                    article.published, article.language, article.origin, article.encoding,
                    json.dumps(article.meta, ensure_ascii=False), utc_now(), article.outlet,
                ),
            )
            self.add_keys(article.article_id, keys)
            db.executemany(
                "INSERT INTO statements(statement_id, article_id, position, start, \"end\", text, text_hash,"
                " language, language_source, structural_reason, is_title, word_count) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        s.statement_id, s.article_id, s.position, s.start, s.end, s.text, text_hash(s.text),
                        s.language, s.language_source, s.boilerplate_reason, int(s.is_title),
                        s.count_words(),
                    )
                    for s in statements
                ],
            )
        return True

    def add_keys(self, article_id: str, keys: Sequence[tuple[str, str]]) -> None:
        """Record more ``(key, kind)`` an article is known by; a key already taken keeps its article."""
        with self.transaction() as db:
            db.executemany("INSERT OR IGNORE INTO article_keys(key, article_id, kind) VALUES (?,?,?)",
                           [(key, article_id, kind) for key, kind in keys if key])

    def article_by_keys(self, keys: Iterable[str]) -> tuple[str, str, str] | None:
        """``(article id, its origin, the key found)`` of the stored article known by any of
        ``keys`` (addresses, feed GUIDs), or None."""
        for key in keys:
            row = self._db.execute(
                "SELECT k.article_id, a.origin FROM article_keys k JOIN articles a ON a.article_id = k.article_id"
                " WHERE k.key = ?", (key,)).fetchone()
            if row is not None:
                return row[0], row[1], key
        return None

    def known_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` some stored article is known by."""
        found: set[str] = set()
        for where, params in _where_in("key", keys):
            found.update(row[0] for row in self._db.execute(f"SELECT key FROM article_keys{where}", params))
        return found

    def article_dates(self) -> dict[str, str]:
        """Article id -> its publication date as stored ("" when unknown)."""
        return dict(self._db.execute("SELECT article_id, published FROM articles").fetchall())

    def remove_articles(self, article_ids: Iterable[str]) -> list[str]:
        """Delete articles, their statements and what analysis derived from those statements (claims,
        keys, hubness, links, group memberships), in one transaction. Analyst decisions stay in the
        audit trail (they can no longer act). Returns the removed statements' ids."""
        wanted = sorted(set(article_ids))
        with self.transaction() as db:
            removed = [row[0] for where, params in _where_in("article_id", wanted)
                       for row in db.execute(f"SELECT statement_id FROM statements{where}", params)]
            for table in ("quantities", "attributions", "hedges", "hubness", "statement_keys", "group_members"):
                for where, params in _where_in("statement_id", removed):
                    db.execute(f"DELETE FROM {table}{where}", params)
            for column in ("source_id", "target_id"):
                for where, params in _where_in(column, removed):
                    db.execute(f"DELETE FROM links{where}", params)
                    db.execute(f"DELETE FROM relations{where}", params)
            for where, params in _where_in("article_id", wanted):
                db.execute(f"DELETE FROM articles{where}", params)  # statements and keys go with it
        return removed

    def articles(self) -> list[Article]:
        rows = self._db.execute("SELECT * FROM articles ORDER BY seq").fetchall()
        return [_article_from_row(row) for row in rows]

    def articles_after(self, *, seq: int | None = None, added_after: str | None = None) -> list[Article]:
        """Articles stored after sequence number ``seq``, or after the time ``added_after``."""
        if seq is not None:
            rows = self._db.execute("SELECT * FROM articles WHERE seq > ? ORDER BY seq", (seq,)).fetchall()
        else:
            rows = self._db.execute("SELECT * FROM articles WHERE added_at > ? ORDER BY seq", (added_after or "",)).fetchall()
        return [_article_from_row(row) for row in rows]

    def article_seqs(self) -> dict[str, int]:
        """Article id -> its ingest order (``seq``)."""
        return dict(self._db.execute("SELECT article_id, seq FROM articles"))

    def max_article_seq(self) -> int:
        return int(self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM articles").fetchone()[0])

    def article(self, article_id: str) -> Article | None:
        row = self._db.execute("SELECT * FROM articles WHERE article_id = ?", (article_id,)).fetchone()
        return None if row is None else _article_from_row(row)

    def count(self, table: str) -> int:
        if table not in {"articles", "statements", "decisions", "inputs", "runs", "links", "groups", "group_members",
                         "quantities", "attributions", "hedges", "relations"}:
            raise ValueError(table)
        return int(self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    # -- statements ------------------------------------------------------------------
    def statement_counts(self) -> dict[str, tuple[int, int]]:
        """Language -> (statements, of them boilerplate), counted by SQLite: reading every
        statement into Python to count them took seconds at 100,000."""
        return {language: (int(total), int(boilerplate)) for language, total, boilerplate in self._db.execute(
            "SELECT language, COUNT(*), SUM(CASE WHEN structural_reason != '' OR corpus_reason != '' THEN 1 ELSE 0 END)"
            " FROM statements GROUP BY language ORDER BY language")}

    def statements(
        self,
        *,
        article_id: str | None = None,
        language: str | None = None,
        boilerplate: bool | None = None,
        contains: str | None = None,
        statement_ids: Iterable[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Statement]:
        """Statements in corpus order (article ingest order, then position)."""
        sql, params = _statement_query(article_id, language, boilerplate, contains, statement_ids)
        sql += " ORDER BY a.seq, s.position"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        cursor = self._db.cursor()
        cursor.row_factory = None  # plain tuples: sqlite3.Row objects took a third of the time at 100,000
        return [_statement_from_values(*row) for row in cursor.execute(sql, params)]

    def count_statements(self, **filters: Any) -> int:
        sql, params = _statement_query(**filters)
        return int(self._db.execute(f"SELECT COUNT(*) FROM ({sql})", params).fetchone()[0])

    def vector_ids(self, statement_ids: Sequence[str] | None = None) -> dict[str, int]:
        """Statement id -> its vector id, for ``statement_ids`` (None: every statement, in one scan,
        not 112 lookups of 900 ids at 100,000 statements)."""
        found: dict[str, int] = {}
        for where, params in _where_in("statement_id", statement_ids):
            found.update(self._db.execute(f"SELECT statement_id, vector_id FROM statements{where}", params))
        return found

    def structural_reasons(self) -> dict[str, str]:
        return {row[0]: row[1] for row in self._db.execute("SELECT statement_id, structural_reason FROM statements")}

    def statement_rows_by_vector_id(self, vector_ids: Iterable[int]) -> dict[int, tuple[Statement, Article]]:
        ids = list(vector_ids)
        found: dict[int, tuple[Statement, Article]] = {}
        articles: dict[str, Article] = {}
        for chunk in _chunks(ids, 900):
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(f"SELECT * FROM statements WHERE vector_id IN ({marks})", chunk):
                statement = _statement_from_row(row)
                if statement.article_id not in articles:
                    articles[statement.article_id] = self.article(statement.article_id)
                found[row["vector_id"]] = (statement, articles[statement.article_id])
        return found

    def hubness(self, vector_ids: Iterable[int] | None = None) -> dict[int, float]:
        """CSLS's r by vector id (statements that were grouped), for all or only ``vector_ids``."""
        found = {}
        for where, params in _where_in("s.vector_id", vector_ids):
            found.update(self._db.execute(
                "SELECT s.vector_id, h.value FROM hubness h JOIN statements s ON s.statement_id = h.statement_id"
                + where, params).fetchall())
        return found

    def vector_ids_by_language(self, language: str | None = None, *,
                               include_boilerplate: bool = False) -> dict[str, np.ndarray]:
        """Vector ids of the statements in each language (or only ``language``), content only by default."""
        rows = self._db.execute(
            "SELECT language, vector_id FROM statements WHERE (? IS NULL OR language = ?)"
            + ("" if include_boilerplate else " AND structural_reason = '' AND corpus_reason = ''")
            + " ORDER BY language, vector_id",
            (language, language),
        ).fetchall()
        grouped: dict[str, list[int]] = {}
        for statement_language, vector_id in rows:
            grouped.setdefault(statement_language, []).append(vector_id)
        return {name: np.array(ids, dtype=np.int64) for name, ids in grouped.items()}

    def group_of(self, statement_id: str) -> str:
        row = self._db.execute("SELECT group_id FROM group_members WHERE statement_id = ?", (statement_id,)).fetchone()
        return "" if row is None else row[0]

    # -- decisions -------------------------------------------------------------------
    def add_decision(self, decision: Decision) -> int:
        with self.transaction() as db:
            self._bump("decision_revision")
            cursor = db.execute(
                "INSERT INTO decisions(kind, statement_ids, target_ids, value, author, created, active, subject)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (
                    decision.kind, json.dumps(list(decision.statement_ids)), json.dumps(list(decision.target_ids)),
                    decision.value, decision.author, decision.created or utc_now(), int(decision.active),
                    decision.subject,
                ),
            )
            return int(cursor.lastrowid)

    def set_decision_active(self, decision_id: int, active: bool, *, author: str = "") -> None:
        """Undo (``active=False``) or restore a decision; an undo records who and when."""
        with self.transaction() as db:
            self._bump("decision_revision")
            db.execute("UPDATE decisions SET active = ?, undone_by = ?, undone_at = ? WHERE decision_id = ?",
                       (int(active), "" if active else author, "" if active else utc_now(), decision_id))

    def decisions(self, *, active_only: bool = True) -> list[Decision]:
        sql = "SELECT * FROM decisions" + (" WHERE active = 1" if active_only else "") + " ORDER BY decision_id"
        return [
            Decision(
                kind=row["kind"],
                statement_ids=tuple(json.loads(row["statement_ids"])),
                target_ids=tuple(json.loads(row["target_ids"])),
                value=row["value"],
                author=row["author"],
                created=row["created"],
                decision_id=row["decision_id"],
                active=bool(row["active"]),
                subject=row["subject"],
                undone_by=row["undone_by"],
                undone_at=row["undone_at"],
            )
            for row in self._db.execute(sql)
        ]

    # -- groups ----------------------------------------------------------------------
    def replace_analysis(
        self,
        *,
        corpus_reasons: dict[str, str],
        claims: dict[str, "Claims"],
        links: Sequence[Link],
        groups: Sequence[Group],
        members: Sequence[dict[str, Any]],
        relations: Sequence[Relation] = (),
        hubness: dict[str, float] | None = None,
        stories: Sequence[Story] = (),
        statement_languages: dict[str, str] | None = None,
        article_languages: dict[str, str] | None = None,
        statement_keys: dict[str, frozenset[str]] | None = None,
    ) -> None:
        """Swap in one analysis run's results in a single transaction; primary data and decisions stay.

        ``statement_languages`` and ``article_languages``: language labels the analysis
        corrected (id -> code).
        """
        with self.transaction() as db:
            db.executemany("UPDATE articles SET language = ? WHERE article_id = ?",
                           [(language, aid) for aid, language in sorted((article_languages or {}).items())])
            db.executemany("UPDATE statements SET language = ?, language_source = 'corpus' WHERE statement_id = ?",
                           [(language, sid) for sid, language in sorted((statement_languages or {}).items())])
            self._insert_stories(db, stories)
            db.execute("UPDATE statements SET corpus_reason = '' WHERE corpus_reason != ''")
            db.executemany(
                "UPDATE statements SET corpus_reason = ? WHERE statement_id = ?",
                [(reason, sid) for sid, reason in corpus_reasons.items() if reason],
            )
            for table in ("quantities", "attributions", "hedges", "relations", "group_members", "groups", "links", "hubness",
                          "statement_keys"):
                db.execute(f"DELETE FROM {table}")
            db.executemany("INSERT INTO hubness VALUES (?, ?)", sorted((hubness or {}).items()))
            db.executemany("INSERT INTO statement_keys VALUES (?, ?)",
                           [(sid, key) for sid, keys in sorted((statement_keys or {}).items()) for key in sorted(keys)])
            self._insert_claims(db, claims)
            self._insert_grouping(db, links, groups, members, relations)
            self._bump("analysis_revision")

    def apply_increment(
        self,
        *,
        statement_languages: dict[str, str],
        article_languages: dict[str, str],
        corpus_reasons: dict[str, str],
        claims: dict[str, "Claims"],
        claims_of: Iterable[str],
        hubness: dict[str, float],
        statement_keys: dict[str, frozenset[str]],
        links: Sequence[Link],
        links_of: Iterable[str],
        stories: Sequence[Story],
    ) -> None:
        """Store an incremental analysis's results for the statements it read again, in one
        transaction with whatever the caller does in the same one (the regrouping of their part):

        - labels and corpus reasons (``corpus_reasons`` holds every statement it judged again,
          "" for content);
        - the claims of the statements ``claims_of``, and the hubness and evidence keys given;
        - the scored links with an end among ``links_of``, replaced by ``links``;
        - every story, replaced by ``stories``.
        """
        with self.transaction() as db:
            db.executemany("UPDATE articles SET language = ? WHERE article_id = ?",
                           [(language, aid) for aid, language in sorted(article_languages.items())])
            db.executemany("UPDATE statements SET language = ?, language_source = 'corpus' WHERE statement_id = ?",
                           [(language, sid) for sid, language in sorted(statement_languages.items())])
            db.executemany("UPDATE statements SET corpus_reason = ? WHERE statement_id = ?",
                           [(reason, sid) for sid, reason in sorted(corpus_reasons.items())])
            for tables, rewritten in ((("quantities", "attributions", "hedges"), claims_of), (("hubness",), hubness),
                                      (("statement_keys",), statement_keys)):
                for table in tables:
                    for where, params in _where_in("statement_id", sorted(set(rewritten))):
                        db.execute(f"DELETE FROM {table}{where}", params)
            db.executemany("INSERT INTO hubness VALUES (?, ?)", sorted(hubness.items()))
            db.executemany("INSERT INTO statement_keys VALUES (?, ?)",
                           [(sid, key) for sid, keys in sorted(statement_keys.items()) for key in sorted(keys)])
            self._insert_claims(db, claims)
            ends = sorted(set(links_of))
            for column in ("source_id", "target_id"):
                for where, params in _where_in(column, ends):
                    db.execute(f"DELETE FROM links{where} AND rank >= 0", params)
            db.executemany("INSERT OR REPLACE INTO links VALUES (?,?,?,?,?,?,?,?,?,?)",
                           [_link_row(link) for link in links])
            self._insert_stories(db, stories)
            self._bump("analysis_revision")

    def statement_keys(self, statement_ids: Iterable[str] | None = None) -> dict[str, frozenset[str]]:
        """The evidence keys the last analysis stored (see :func:`workbench.group.statement_keys`)."""
        found: dict[str, set[str]] = defaultdict(set)
        for where, params in _where_in("statement_id", statement_ids):
            for sid, key in self._db.execute(f"SELECT statement_id, key FROM statement_keys{where}", params):
                found[sid].add(key)
        return {sid: frozenset(keys) for sid, keys in found.items()}

    def statement_key_counts(self) -> Counter:
        """How many statements hold each stored evidence key."""
        return Counter(dict(self._db.execute("SELECT key, COUNT(*) FROM statement_keys GROUP BY key")))

    @staticmethod
    def _insert_claims(db: sqlite3.Connection, claims: dict[str, "Claims"]) -> None:
        db.executemany(
            "INSERT INTO quantities VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (sid, i, q.text, q.start, q.end, q.value, q.low, q.high, q.approximator, q.unit, q.unit_key, q.kind,
                 q.language)
                for sid, claim in claims.items() for i, q in enumerate(claim.quantities)
            ],
        )
        db.executemany(
            "INSERT INTO attributions VALUES (?,?,?,?,?,?)",
            [(sid, i, a.text, a.start, a.end, a.cue) for sid, claim in claims.items() for i, a in enumerate(claim.attributions)],
        )
        db.executemany(
            "INSERT INTO hedges VALUES (?,?,?,?,?,?)",
            [(sid, i, h.kind, h.text, h.start, h.end) for sid, claim in claims.items() for i, h in enumerate(claim.hedges)],
        )

    @staticmethod
    def _insert_stories(db: sqlite3.Connection, stories: Sequence[Story]) -> None:
        for table in ("article_stories", "stories"):
            db.execute(f"DELETE FROM {table}")
        db.executemany(
            "INSERT INTO stories VALUES (?,?,?,?,?,?)",
            [(story.story_id, story.label, json.dumps(list(story.article_ids)), json.dumps(list(story.languages)),
              story.cohesion, rank) for rank, story in enumerate(stories)],
        )
        db.executemany("INSERT INTO article_stories VALUES (?, ?)",
                       [(article, story.story_id) for story in stories for article in story.article_ids])

    @staticmethod
    def _insert_grouping(db: sqlite3.Connection, links: Sequence[Link], groups: Sequence[Group],
                         members: Sequence[dict[str, Any]], relations: Sequence[Relation]) -> None:
        db.executemany("INSERT INTO links VALUES (?,?,?,?,?,?,?,?,?,?)", [_link_row(link) for link in links])
        db.executemany(
            "INSERT INTO groups(group_id, label_statement_id, tier, article_ids, languages, rank, verdict,"
            " verdict_source, explanation, story_id, qualifier) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                (g.group_id, g.label_statement_id, g.tier, json.dumps(list(g.article_ids)),
                 json.dumps(list(g.languages)), rank, g.verdict, g.verdict_source, g.explanation, g.story_id,
                 g.qualifier)
                for rank, g in enumerate(groups)
            ],
        )
        db.executemany(
            "INSERT INTO group_members VALUES (:statement_id, :group_id, :member_tier, :score_cosine, :score_margin)",
            list(members),
        )
        db.executemany(
            "INSERT INTO relations VALUES (?,?,?,?,?,?)",
            [
                (r.group_id, r.source_id, r.target_id, r.relation, r.explanation,
                 json.dumps(r.details, ensure_ascii=False, default=str))
                for r in relations
            ],
        )

    def replace_grouping(self, *, candidates: Sequence[Link], groups: Sequence[Group],
                         members: Sequence[dict[str, Any]], relations: Sequence[Relation] = (),
                         keep_relations_of: Iterable[str] = (), decision_links_only: bool = False,
                         computed_from: tuple[int, int] | None = None) -> None:
        """Swap in new groups (after a decision) in one transaction; claims and reasons stay.

        ``keep_relations_of``: groups whose stored relations stay as they are (``relations``
        then holds only the others'). ``decision_links_only``: the scored links stay and
        ``candidates`` are the links analyst decisions made, which replace the earlier ones.
        ``computed_from``: the :meth:`results_state` the groups were computed from; if an
        analysis or another decision has landed since, nothing is written and
        :class:`ResultsChanged` is raised, so the caller computes them again.
        """
        with self.transaction() as db:
            if computed_from is not None and self.results_state() != computed_from:
                raise ResultsChanged(f"results changed from {computed_from} to {self.results_state()} meanwhile")
            db.execute("CREATE TEMP TABLE IF NOT EXISTS kept_groups(group_id TEXT PRIMARY KEY)")
            db.execute("DELETE FROM kept_groups")
            db.executemany("INSERT OR IGNORE INTO kept_groups VALUES (?)", [(g,) for g in keep_relations_of])
            db.execute("DELETE FROM relations WHERE group_id NOT IN (SELECT group_id FROM kept_groups)")
            db.execute("DELETE FROM kept_groups")
            for table in ("group_members", "groups"):
                db.execute(f"DELETE FROM {table}")
            db.execute("DELETE FROM links WHERE rank < 0" if decision_links_only else "DELETE FROM links")
            self._insert_grouping(db, candidates, groups, members, relations)

    def replace_groups(self, *, replaced: Iterable[str], statement_ids: Iterable[str], groups: Sequence[Group],
                       members: Sequence[dict[str, Any]], relations: Sequence[Relation] = (),
                       keep_relations_of: Iterable[str] = (), decision_links: Sequence[Link] = (),
                       computed_from: tuple[int, int] | None = None) -> None:
        """Swap the groups ``replaced`` for ``groups`` in one transaction, every other group staying
        as it is, and renumber the ranks of all (see :meth:`replace_grouping` for the rest).

        For a decision that can change only some groups: ``statement_ids`` are the statements
        those groups may hold, and ``decision_links`` replace the analyst-made links among them.
        """
        with self.transaction() as db:
            if computed_from is not None and self.results_state() != computed_from:
                raise ResultsChanged(f"results changed from {computed_from} to {self.results_state()} meanwhile")
            kept = set(keep_relations_of)
            for where, params in _where_in("group_id", [g for g in replaced if g not in kept]):
                db.execute(f"DELETE FROM relations{where}", params)
            for where, params in _where_in("group_id", replaced):
                db.execute(f"DELETE FROM group_members{where}", params)
                db.execute(f"DELETE FROM groups{where}", params)
            for where, params in _where_in("source_id", statement_ids):
                db.execute(f"DELETE FROM links{where} AND rank < 0", params)
            self._insert_grouping(db, decision_links, groups, members, relations)
            # The order of verdicts.rank_key: conflicts first, then by languages and articles spanned.
            db.execute("""
                UPDATE groups SET rank = ranked.position FROM (
                    SELECT group_id, ROW_NUMBER() OVER (ORDER BY verdict != 'conflicts',
                        json_array_length(languages) DESC, json_array_length(article_ids) DESC, group_id) - 1 AS position
                    FROM groups) AS ranked
                WHERE groups.group_id = ranked.group_id AND groups.rank != ranked.position""")

    def groups_holding(self, statement_ids: Iterable[str]) -> list[Group]:
        """The groups any of these statements is in, in rank order."""
        found: set[str] = set()
        for where, params in _where_in("statement_id", statement_ids):
            found.update(row[0] for row in self._db.execute(f"SELECT DISTINCT group_id FROM group_members{where}", params))
        return self.groups(sorted(found)) if found else []

    def group_ids(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT group_id FROM groups")}

    def claims(self, statement_ids: Iterable[str] | None = None) -> dict[str, Claims]:
        """Quantities, attributions and hedges by statement id (statements without any are absent)."""
        result: dict[str, Claims] = {}

        def slot(sid: str) -> Claims:
            if sid not in result:
                result[sid] = Claims()
            return result[sid]

        for where, params in _where_in("statement_id", statement_ids):
            for row in self._db.execute(f"SELECT * FROM quantities{where} ORDER BY statement_id, idx", params):
                slot(row["statement_id"]).quantities.append(Quantity(
                    text=row["text"], start=row["start"], end=row["end"], value=row["value"], low=row["low"],
                    high=row["high"], approximator=row["approximator"], unit=row["unit"], unit_key=row["unit_key"],
                    kind=row["kind"], language=row["language"]))
            for row in self._db.execute(f"SELECT * FROM attributions{where} ORDER BY statement_id, idx", params):
                slot(row["statement_id"]).attributions.append(
                    Attribution(text=row["text"], start=row["start"], end=row["end"], cue=row["cue"]))
            for row in self._db.execute(f"SELECT * FROM hedges{where} ORDER BY statement_id, idx", params):
                slot(row["statement_id"]).hedges.append(
                    Hedge(kind=row["kind"], text=row["text"], start=row["start"], end=row["end"]))
        return result

    def relations(self, group_id: str | None = None) -> list[Relation]:
        sql = "SELECT * FROM relations" + (" WHERE group_id = ?" if group_id else "") + " ORDER BY group_id, source_id, target_id"
        return [
            Relation(group_id=r["group_id"], source_id=r["source_id"], target_id=r["target_id"], relation=r["relation"],
                     explanation=r["explanation"], details=json.loads(r["details"]))
            for r in self._db.execute(sql, (group_id,) if group_id else ())
        ]

    def links(self, statement_ids: Iterable[str] | None = None) -> list[Link]:
        if statement_ids is None:
            rows = self._db.execute("SELECT * FROM links ORDER BY source_id, target_id").fetchall()
        else:
            ids = list(statement_ids)
            rows = []
            for chunk in _chunks(ids, 400):
                marks = ",".join("?" * len(chunk))
                rows += self._db.execute(
                    f"SELECT * FROM links WHERE source_id IN ({marks}) OR target_id IN ({marks})", chunk + chunk
                ).fetchall()
            rows = sorted({(r["source_id"], r["target_id"]): r for r in rows}.values(), key=lambda r: (r["source_id"], r["target_id"]))
        return [
            Link(
                source_id=r["source_id"], target_id=r["target_id"], cosine=r["cosine"], cosine_centered=r["cosine_centered"],
                margin=r["margin"], rank=r["rank"], mutual=bool(r["mutual"]), score=r["score"], tier=r["tier"],
                shared=tuple(json.loads(r["shared"])),
            )
            for r in rows
        ]

    def groups(self, group_ids: Iterable[str] | None = None) -> list[Group]:
        """Groups in rank order (conflicts first); only those in ``group_ids`` if given."""
        rows, members = [], {}
        for where, params in _where_in("group_id", group_ids):
            rows += self._db.execute(f"SELECT * FROM groups{where}", params).fetchall()
            for group_id, statement_id in self._db.execute(
                f"SELECT group_id, statement_id FROM group_members{where} ORDER BY statement_id", params
            ):
                members.setdefault(group_id, []).append(statement_id)
        rows.sort(key=lambda row: row["rank"])
        return [
            Group(
                group_id=row["group_id"], statement_ids=tuple(members.get(row["group_id"], ())),
                label_statement_id=row["label_statement_id"], tier=row["tier"],
                article_ids=tuple(json.loads(row["article_ids"])), languages=tuple(json.loads(row["languages"])),
                **_verdict_fields(row),
            )
            for row in rows
        ]

    def verdict_counts(self) -> dict[str, int]:
        """Verdict -> how many groups have it (groups without one are left out), counted by SQLite."""
        return {verdict: int(count) for verdict, count in self._db.execute(
            "SELECT verdict, COUNT(*) FROM groups WHERE verdict != '' GROUP BY verdict ORDER BY verdict")}

    def stories(self) -> list[Story]:
        """Stories of the last analysis, largest first."""
        return [
            Story(story_id=row["story_id"], label=row["label"], article_ids=tuple(json.loads(row["article_ids"])),
                  languages=tuple(json.loads(row["languages"])), cohesion=row["cohesion"])
            for row in self._db.execute("SELECT * FROM stories ORDER BY rank")
        ]

    def story_of_articles(self) -> dict[str, str]:
        """Article id -> story id, from the last analysis (articles added since have none)."""
        return dict(self._db.execute("SELECT article_id, story_id FROM article_stories").fetchall())

    def group_members(self, statement_ids: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """Each grouped statement's row: its group, its tier there and its best link's scores."""
        found = {}
        for where, params in _where_in("statement_id", statement_ids):
            for row in self._db.execute(f"SELECT * FROM group_members{where}", params):
                found[row["statement_id"]] = dict(row)
        return found

    def results_state(self) -> tuple[int, int]:
        """``(analysis revision, decision revision)``: each grows with every analysis stored and
        every decision made or withdrawn, so a writer can tell whether what it computed from
        is still what the store holds."""
        return int(self.get_meta("analysis_revision") or 0), int(self.get_meta("decision_revision") or 0)

    def _bump(self, key: str) -> None:
        self._db.execute("INSERT INTO workspace(key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE SET "
                         "value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)", (key,))

    def revision(self) -> tuple[int, ...]:
        """A token that changes whenever stored results may have changed (for caches in the UI).

        Decisions regroup at once, analysis runs are recorded and articles get a new
        sequence number, so these numbers cover every write the UI or the CLI makes.
        """
        row = self._db.execute(
            """SELECT (SELECT COALESCE(MAX(decision_id), 0) FROM decisions),
                      (SELECT COUNT(*) FROM decisions WHERE active = 1),
                      (SELECT COALESCE(MAX(run_id), 0) FROM runs WHERE finished IS NOT NULL),
                      (SELECT COALESCE(MAX(seq), 0) FROM articles),
                      (SELECT COUNT(*) FROM groups),
                      (SELECT COUNT(*) FROM articles)"""
        ).fetchone()
        return tuple(int(value) for value in row)

    # -- runs ------------------------------------------------------------------------
    def start_run(self, manifest: dict[str, Any]) -> int:
        """Record a run as running; earlier runs whose process is gone are marked interrupted."""
        with self.transaction() as db:
            self._mark_interrupted_runs(db)
            manifest = {**manifest, "process": {"host": socket.gethostname(), "pid": os.getpid()}}
            cursor = db.execute(
                "INSERT INTO runs(started, manifest, status) VALUES (?, ?, 'running')",
                (utc_now(), json.dumps(manifest, ensure_ascii=False)))
            return int(cursor.lastrowid)

    def _mark_interrupted_runs(self, db: sqlite3.Connection) -> None:
        for row in db.execute("SELECT run_id, manifest FROM runs WHERE status = 'running'").fetchall():
            if _process_gone(row["manifest"]):
                db.execute("UPDATE runs SET status = 'interrupted' WHERE run_id = ?", (row["run_id"],))

    def finish_run(self, run_id: int, manifest: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET finished = ?, manifest = ?, status = 'finished' WHERE run_id = ?",
                (utc_now(), json.dumps(manifest, ensure_ascii=False), run_id),
            )

    def last_run(self) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT manifest FROM runs WHERE finished IS NOT NULL ORDER BY run_id DESC LIMIT 1"
        ).fetchone()
        return None if row is None else json.loads(row[0])

    def runs(self) -> list[dict[str, Any]]:
        """Every analysis run, oldest first: id, started, finished, status (running, finished,
        interrupted; a run whose process is gone reads as interrupted)."""
        result = []
        for row in self._db.execute("SELECT run_id, started, finished, status, manifest FROM runs ORDER BY run_id"):
            status = row["status"]
            if status == "running" and _process_gone(row["manifest"]):
                status = "interrupted"
            result.append({"run_id": row["run_id"], "started": row["started"], "finished": row["finished"],
                           "status": status})
        return result

    # -- raw access for the analysis stages ---------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self._db.execute(sql, params)


def _link_row(link: Link) -> tuple:
    return (link.source_id, link.target_id, link.cosine, link.cosine_centered, link.margin, link.rank,
            int(link.mutual), link.score, link.tier, json.dumps(list(link.shared)))


def text_hash(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _where_in(column: str, values: Iterable[Any] | None, size: int = 900) -> Iterator[tuple[str, list[str]]]:
    """``(" WHERE column IN (...)", params)`` chunks for ``values``, or one empty clause for all rows."""
    if values is None:
        yield "", []
        return
    for chunk in _chunks(list(dict.fromkeys(values)), size):
        yield f" WHERE {column} IN ({','.join('?' * len(chunk))})", chunk


def _split_sql(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _statement_query(
    article_id: str | None = None,
    language: str | None = None,
    boilerplate: bool | None = None,
    contains: str | None = None,
    statement_ids: Iterable[str] | None = None,
) -> tuple[str, list[Any]]:
    columns = ", ".join(f's."{field}"' for field in STATEMENT_FIELDS)
    sql = f"SELECT {columns} FROM statements s JOIN articles a ON a.article_id = s.article_id WHERE 1=1"
    params: list[Any] = []
    if article_id:
        sql += " AND s.article_id = ?"
        params.append(article_id)
    if language:
        sql += " AND s.language = ?"
        params.append(language)
    if boilerplate is True:
        sql += " AND (s.structural_reason != '' OR s.corpus_reason != '')"
    elif boilerplate is False:
        sql += " AND s.structural_reason = '' AND s.corpus_reason = ''"
    if contains:
        sql += " AND s.text LIKE ? ESCAPE '\\'"
        escaped = contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    if statement_ids is not None:
        ids = list(statement_ids)
        sql += f" AND s.statement_id IN ({','.join('?' * len(ids)) or 'NULL'})"
        params.extend(ids)
    return sql, params


def _verdict_fields(row: sqlite3.Row) -> dict[str, Any]:
    keys = row.keys()
    return {key: row[key] for key in ("verdict", "verdict_source", "explanation", "story_id", "qualifier") if key in keys}


def _article_from_row(row: sqlite3.Row) -> Article:
    return Article(
        article_id=row["article_id"],
        text=row["text"],
        title=row["title"],
        source=row["source"],
        url=row["url"],
        published=row["published"],
        language=row["language"],
        origin=row["origin"],
        encoding=row["encoding"],
        meta=json.loads(row["meta"]),
        outlet=row["outlet"],
    )


# The columns a Statement is read from, in the order of _statement_from_values' parameters.
STATEMENT_FIELDS = ("statement_id", "article_id", "position", "start", "end", "text", "language", "language_source",
                    "structural_reason", "corpus_reason", "is_title", "word_count")


def _statement_from_row(row: sqlite3.Row) -> Statement:
    return _statement_from_values(*(row[field] for field in STATEMENT_FIELDS))


def _statement_from_values(statement_id: str, article_id: str, position: int, start: int, end: int, text: str,
                           language: str, language_source: str, structural_reason: str, corpus_reason: str,
                           is_title: int, word_count: int) -> Statement:
    reasons = [r for r in (structural_reason, corpus_reason) if r]
    return Statement(
        statement_id=statement_id,
        article_id=article_id,
        position=position,
        start=start,
        end=end,
        text=text,
        language=language,
        language_source=language_source,
        boilerplate=bool(reasons),
        boilerplate_reason=",".join(reasons),
        is_title=bool(is_title),
        word_count=word_count,
    )
