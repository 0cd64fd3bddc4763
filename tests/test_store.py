"""The workspace database: migrations, transactions, decisions."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from workbench.clean import word_count
from workbench.errors import StoreError
from workbench.model import Decision
from workbench.store import MIGRATIONS, Store

from conftest import copy_tree


def test_new_database_is_at_the_latest_schema(tmp_path):
    with Store(tmp_path / "w.db") as store:
        assert store.schema_version == len(MIGRATIONS)
        assert len(store.workspace_id) == 32


def test_workspace_written_at_schema_1_upgrades_in_place_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO workspace VALUES ('workspace_id', 'old-id')")
    db.execute(
        "INSERT INTO decisions(kind, statement_ids, target_ids, value, author, created) "
        "VALUES ('note', '[\"s1\"]', '[]', 'keep me', 'ana', '2026-01-01')"
    )
    db.commit()
    db.close()
    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.workspace_id == "old-id"
        assert [d.value for d in store.decisions()] == ["keep me"]


def test_statements_stored_before_word_counts_are_counted_when_the_workspace_upgrades(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    for migration in MIGRATIONS[:8]:
        for statement in migration.split(";"):
            if statement.strip():
                db.execute(statement)
    db.execute("PRAGMA user_version = 8")
    db.execute("INSERT INTO articles(article_id, seq, title, text, source, url, published, language, origin, encoding, "
               "meta, added_at) VALUES ('a1', 1, '', 'x', '', '', '', 'fr', 'f.txt', 'utf-8', '{}', '2026-01-01')")
    texts = ["Plus d'un million d'obus ont été envoyés en Russie.", "Et toi ?", "北朝鮮はロシアに砲弾を送った"]
    for position, text in enumerate(texts):
        db.execute("INSERT INTO statements(statement_id, article_id, position, start, \"end\", text, text_hash, "
                   "language, language_source, structural_reason, is_title) VALUES (?, 'a1', ?, 0, 1, ?, 'h', 'fr', "
                   "'detected', '', 0)", (f"s{position}", position, text))
    db.commit()
    db.close()
    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert [s.word_count for s in store.statements()] == [word_count(text) for text in texts] == [9, 2, 7]


def test_ingested_statements_carry_their_word_count(tmp_path):
    from workbench import Config, Workbench

    source = tmp_path / "a.txt"
    source.write_text("Titre\n\nLa Corée du Nord a envoyé plus d'un million d'obus. Et toi ?\n", encoding="utf-8")
    with Workbench(Config.load(workspace=str(tmp_path / "ws"), home=str(tmp_path / "home"))) as workbench:
        workbench.ingest([source])
        statements = workbench.statements()
    assert statements and all(s.word_count == word_count(s.text) for s in statements)


def test_database_from_a_newer_workbench_is_refused(tmp_path):
    path = tmp_path / "new.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    db.close()
    with pytest.raises(StoreError, match="newer workbench"):
        Store(path)


def test_failed_transaction_writes_nothing(tmp_path):
    with Store(tmp_path / "w.db") as store:
        with pytest.raises(RuntimeError):
            with store.transaction() as db:
                db.execute("INSERT INTO workspace VALUES ('a', '1')")
                raise RuntimeError("crash")
        assert store.get_meta("a") is None


def test_decisions_are_kept_and_deactivated_not_deleted(tmp_path):
    path = tmp_path / "w.db"
    with Store(path) as store:
        first = store.add_decision(Decision("accept_link", ("s1", "s2"), author="ana"))
        store.add_decision(Decision("note", ("s1",), value="check the Bloomberg source"))
        store.set_decision_active(first, False)
    with Store(path) as reopened:
        assert [d.kind for d in reopened.decisions()] == ["note"]
        everything = reopened.decisions(active_only=False)
        assert [(d.kind, d.active) for d in everything] == [("accept_link", False), ("note", True)]
        assert everything[0].statement_ids == ("s1", "s2") and everything[0].created


def test_a_workspace_path_that_is_a_file_gets_a_clear_message(tmp_path):
    from click.testing import CliRunner

    from workbench.cli import main
    from workbench.errors import StoreError

    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a workspace", encoding="utf-8")
    with pytest.raises(StoreError, match="is a file, not a workspace folder"):
        Store(a_file / "workbench.db")
    for command in (["summary"], ["settings"], ["ui", "--headless"], ["doctor"]):
        result = CliRunner().invoke(main, [*command, "--workspace", str(a_file)])
        assert result.exit_code == 1 and "is a file, not a workspace folder" in result.output, (command, result.output)
    assert a_file.read_text(encoding="utf-8") == "not a workspace"


def test_copying_an_open_database_the_way_the_tests_do_leaves_it_whole(tmp_path):
    """The tests copy workspaces and the embedding cache while this process holds them open.
    A plain file copy drops this process's SQLite locks: the next process to open the database
    resets its shared memory and the open connection's later writes corrupt it (2 test failures
    with 'database disk image is malformed' once). ``copy_tree`` must copy without that."""
    with Store(tmp_path / "ws" / "w.db") as store:
        for round_ in range(6):
            copy = copy_tree(tmp_path / "ws", tmp_path / f"copy{round_}")
            with Store(copy / "w.db") as copied:
                assert copied.workspace_id == store.workspace_id
            other_process = ("import sqlite3, sys\n"
                             "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                             "db.execute('CREATE TABLE IF NOT EXISTS filler (blob BLOB)')\n"
                             "for _ in range(50): db.execute('INSERT INTO filler VALUES (randomblob(4000))')\n")
            subprocess.run([sys.executable, "-c", other_process, str(store.path)], check=True, env=os.environ)
            for _ in range(50):
                store.add_decision(Decision(kind="note", statement_ids=("s1",), value="x" * 3000, author="ana"))
    with sqlite3.connect(tmp_path / "ws" / "w.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
