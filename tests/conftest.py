"""Shared fixtures: real sample articles, real libraries, an isolated WORKBENCH_HOME per session."""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
GOLD = Path(__file__).resolve().parent / "gold"
# How long a command, notebook or thread the tests wait for may take before the test gives up: a
# guard against a hang, not a speed check. The slowest (a notebook, about a minute on two idle
# cores) stays far below it on a machine running another test suite beside this one.
HANG_GUARD_S = 1800


@pytest.fixture(scope="session", autouse=True)
def workbench_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every test writes under one temporary home: no workspace, index or cache leaks out."""
    home = tmp_path_factory.mktemp("workbench-home")
    previous = os.environ.get("WORKBENCH_HOME")
    os.environ["WORKBENCH_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("WORKBENCH_HOME", None)
    else:
        os.environ["WORKBENCH_HOME"] = previous


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "workspace"


@pytest.fixture
def make_workbench(workspace: Path):
    """A fresh Workbench on an empty workspace folder (closed after the test)."""
    from workbench import Config, Workbench

    opened = []

    def make(**overrides):
        config = Config.load(workspace=str(workspace), overrides=overrides or None)
        workbench = Workbench(config)
        opened.append(workbench)
        return workbench

    yield make
    for workbench in opened:
        workbench.close()


@pytest.fixture(scope="session")
def ingested_samples(tmp_path_factory: pytest.TempPathFactory):
    """A workspace holding the five sample articles, ingested once per session (read-only use)."""
    from workbench import Config, Workbench

    folder = tmp_path_factory.mktemp("samples-workspace")
    workbench = Workbench(Config.load(workspace=str(folder / "ws")))
    report = workbench.ingest([SAMPLES])
    assert not report.errors
    yield workbench
    workbench.close()


def copy_tree(source: Path, target: Path) -> Path:
    """``shutil.copytree`` for folders holding SQLite databases that may be open in this process.

    A database is copied through SQLite's backup API, never read as a file: closing any descriptor
    of a database (or of its -wal/-shm) drops every POSIX lock this process holds on it, so the
    next process to open it takes the shared memory index for unused and corrupts the database
    the open connections still write (seen as 'database disk image is malformed' in the shared
    embedding cache). The copy is a consistent snapshot with its write-ahead log folded in."""

    def copy(source_file: str, target_file: str) -> None:
        if not source_file.endswith(".db"):
            shutil.copy2(source_file, target_file)
            return
        with contextlib.closing(sqlite3.connect(source_file)) as origin, \
                contextlib.closing(sqlite3.connect(target_file)) as copied:
            origin.backup(copied)

    shutil.copytree(source, target, copy_function=copy, ignore=shutil.ignore_patterns("*.db-wal", "*.db-shm"))
    return target


def copy_samples(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for path in SAMPLES.glob("*.txt"):
        shutil.copy(path, target / path.name)
    return target


@pytest.fixture(scope="session")
def analysed_samples(tmp_path_factory: pytest.TempPathFactory):
    """The five samples ingested and analysed once per session (read-only use: no decisions here)."""
    from workbench import Config, Workbench

    folder = tmp_path_factory.mktemp("analysed-samples")
    workbench = Workbench(Config.load(workspace=str(folder / "ws")))
    workbench.ingest([SAMPLES])
    manifest = workbench.analyze()
    workbench.manifest = manifest
    yield workbench
    workbench.close()


@pytest.fixture
def analysed_copy(tmp_path: Path):
    """A private analysed sample workspace a test may change (decisions, new articles)."""
    from workbench import Config, Workbench

    workbench = Workbench(Config.load(workspace=str(tmp_path / "ws")))
    workbench.ingest([SAMPLES])
    workbench.analyze()
    yield workbench
    workbench.close()


def sample_statement(workbench, file_prefix: str, starts_with: str):
    """The statement of sample article ``file_prefix`` (e.g. "002") whose text starts with ``starts_with``."""
    article = next(a for a in workbench.articles() if Path(a.origin).name.startswith(file_prefix))
    matches = [s for s in workbench.statements(article_id=article.article_id) if s.text.startswith(starts_with)]
    assert len(matches) == 1, (file_prefix, starts_with, len(matches))
    return matches[0]


@pytest.fixture
def libretranslate():
    """A server answering POST /translate as LibreTranslate does (a list of texts in, a list
    out); it marks each text with its language pair, and records what it was sent."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append(body)
            if self.path != "/translate" or body.get("target") == "xx":
                self.send_response(400)
                self.end_headers()
                self.wfile.write(b'{"error": "xx is not supported"}')
                return
            answer = {"translatedText": [f"[{body['source']}>{body['target']}] {q}" for q in body["q"]]}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()


MEMORY_PROBE = """
import resource

def status(key):
    with open("/proc/self/status", encoding="ascii") as lines:
        return next(int(line.split()[1]) * 1024 for line in lines if line.startswith(key + ":"))

{setup}
# A runaway (the quadratic search this guards against took 7 GB) stops at the cap, not the machine.
resource.setrlimit(resource.RLIMIT_AS, (status("VmSize") + {cap}, resource.RLIM_INFINITY))
before = status("VmHWM")
{measured}
print((status("VmHWM") - before) / 2**20)
"""


def peak_memory_increase_mb(setup: str, measured: str, cap_mb: int = 4096) -> float:
    """How far the code ``measured`` raises a fresh Python process's peak resident memory (VmHWM)
    above where ``setup`` left it, in MB. The child's address space is capped ``cap_mb`` above its
    size after ``setup``, so a runaway fails the child instead of filling the machine."""
    import subprocess
    import sys
    import textwrap

    if not Path("/proc/self/status").exists():
        pytest.skip("peak memory is read from /proc/self/status (Linux)")
    script = MEMORY_PROBE.format(setup=textwrap.dedent(setup), measured=textwrap.dedent(measured),
                                 cap=cap_mb * 2**20)
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert ran.returncode == 0, f"the measured code failed (over the {cap_mb} MB cap?):\n{ran.stderr[-3000:]}"
    return float(ran.stdout.strip().splitlines()[-1])


def unprivileged(command: list[str]) -> list[str]:
    """``command`` as run by a user whom file permissions stop (a mode-000 folder, a folder of root's):
    this one, or where the tests run as root (whom they do not stop, as in CI), the user nobody,
    through util-linux's setpriv."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("the tests run as root, whom file permissions do not stop, and setpriv (util-linux) is "
                    "not installed to run the command as another user")
    nobody = pwd.getpwnam("nobody")
    return [setpriv, f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups", "--", *command]


@pytest.fixture(scope="session")
def news_site():
    """A news site on 127.0.0.1 (tests/newssite.py): sample articles as pages, feeds, and pages
    that go wrong. Started once per session, stopped at its end."""
    import newssite

    site = newssite.NewsSite()
    server = newssite.start(site)
    yield site
    newssite.stop(site, server)


@pytest.fixture(scope="session")
def dated_samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five samples as JSON Lines rows with their outlets, addresses and publication dates
    (tests/newssite.py's): the French "more than a million" shells on 2023-11-09, the
    Bulgarian "nearly five million" on 2024-06-18."""
    from newssite import PAGES, sample_parts

    path = tmp_path_factory.mktemp("dated-samples") / "dated.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for page in PAGES:
            handle.write(json.dumps({
                "text": (SAMPLES / f"{page.stem}.txt").read_text(encoding="utf-8"), "title": sample_parts(page.stem)[0],
                "published": page.published, "outlet": page.outlet, "url": f"https://news.example/{page.stem}",
            }, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="session")
def ray_session():
    """One local Ray instance for every Ray test of the session (started once: it takes seconds):
    2 CPUs, no dashboard, no usage statistics. Skipped where Ray is not installed (it is an
    optional extra; `make setup` installs it, so CI runs these tests)."""
    import logging

    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    ray = pytest.importorskip("ray", reason="Ray is not installed: the cluster extra (pip install '.[cluster]')")
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False,
             namespace="workbench-tests")
    yield ray
    ray.shutdown()


BLOCKER = """
import sys

class _Missing:
    \"\"\"Makes these packages missing, as on a machine where they are not installed.\"\"\"
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {names!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, _Missing())
"""


def without_packages(folder: Path, *names: str) -> dict[str, str]:
    """An environment whose Python processes cannot import the packages ``names``, as on a machine
    without them: a ``sitecustomize`` on PYTHONPATH (read at every start) refuses them."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(BLOCKER.format(names=set(names)), encoding="utf-8")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))}
