#!/usr/bin/env python3
"""Story finding at scale (issue 29, item 2): time and peak memory from 20,000 to 200,000 articles.

The corpus is ``synthetic_stories.py``: structured article vectors (stories of 1 to 50
articles in topics, six languages, about 10 statements an article, rare and common names,
dates), no text and no encoder. Each size runs in a fresh process, which builds its corpus,
resets its peak-memory mark (``/proc/self/clear_refs``), calls ``workbench.stories.find_stories``
as the analysis does, and reads its peak resident memory (VmHWM) back. Reported per size:

* the seconds of story finding, and of its phases (the candidate pairs: nearest articles and
  shared names; measuring shared statements on them; the linkage);
* the peak memory above what the process held before (the corpus itself: its statement
  vectors are listed apart), and the process's whole peak;
* the candidate pairs, and the stories found against the true ones (article-pair precision
  and recall);
* at the smallest size, the recall of the nearest-article search against exact search;
* the incremental case: the last 20 articles taken out of the stories found and put back
  with ``assign_articles`` (seconds, and how many land in the story they were in).

``--baseline REF`` also runs the code of git commit ``REF`` (its ``workbench`` package extracted
with ``git archive``, first on the child's import path) at ``--baseline-sizes``, for the dense n x n
code this replaced (34 bytes x n^2 at 16,000 articles: 8.7 GB).

Run: ``python benchmarks/bench_stories_scale.py [--sizes 20000,50000,100000,200000]
[--baseline main --baseline-sizes 2000,4000,8000]``. Writes ``benchmarks/out/stories_scale.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import fields
from pathlib import Path

from common import HERE, ROOT, machine, write_result

SEED = 29
NEW_ARTICLES = 20  # added to the stories of the rest, as an incremental analysis adds them
PHASES = ("candidate_pairs", "shared_statement_similarity", "weighted_average_linkage")


def status_mb(key: str) -> float:
    with open("/proc/self/status", encoding="ascii") as lines:
        return next(int(line.split()[1]) for line in lines if line.startswith(key + ":")) / 1024


def pair_scores(found, truth) -> tuple[float, float]:
    """Precision and recall of the article pairs that share a story."""
    import numpy as np

    def pairs(labels) -> float:
        sizes = np.bincount(np.unique(labels, return_inverse=True)[1].reshape(-1))
        return float((sizes * (sizes - 1) // 2).sum())

    both = pairs(found.astype(np.int64) * (int(truth.max()) + 1) + truth)
    return round(both / max(pairs(found), 1.0), 4), round(both / max(pairs(truth), 1.0), 4)


def child(articles: int, seed: int, check_recall: bool) -> dict:
    """One size, in this process: the figures as a dict."""
    import numpy as np

    import synthetic_stories
    from workbench import stories
    from workbench.config import StoryConfig

    corpus = synthetic_stories.build(articles, seed)
    ids = corpus.article_ids
    new_code = "statements" in {f.name for f in fields(stories.StoryInput)}
    common = dict(article_ids=ids, names=corpus.names, languages=corpus.languages, titles=ids,
                  published=corpus.published, weights=corpus.counts.astype(float).tolist())
    seconds: dict[str, float] = {}
    for name in PHASES:  # find_stories calls them through the module, so each can be timed
        if hasattr(stories, name):
            setattr(stories, name, timed(getattr(stories, name), name, seconds))
    if new_code:
        vectors = stories.document_vectors(corpus.statements, corpus.counts)
    else:
        vectors = np.vstack(list(stories.document_vectors(np.repeat(ids, corpus.counts).tolist(),
                                                          corpus.statements).values()))
    load = os.getloadavg()[0]
    before = status_mb("VmRSS")
    with open("/proc/self/clear_refs", "w", encoding="ascii") as marker:
        marker.write("5")  # the peak so far (building the corpus) is forgotten
    started = time.perf_counter()
    if new_code:
        data = stories.StoryInput(vectors=vectors, statements=corpus.statements, statement_counts=corpus.counts,
                                  **common)
    else:  # the dense code: the n x n similarity first, as the analysis built it
        similarity = stories.shared_statement_similarity(np.repeat(ids, corpus.counts).tolist(), corpus.statements,
                                                         ids)
        data = stories.StoryInput(vectors=vectors, similarity=similarity, **common)
    found = stories.find_stories(data, StoryConfig())
    elapsed = time.perf_counter() - started
    peak = status_mb("VmHWM")
    story_of = {a: i for i, story in enumerate(found) for a in story.article_ids}
    precision, recall = pair_scores(np.array([story_of[a] for a in ids]), corpus.story)
    result = {
        "articles": articles, "statements": int(corpus.counts.sum()), "true_stories": int(corpus.story.max() + 1),
        "code": "sparse" if new_code else "dense", "seconds": round(elapsed, 1),
        "phases_s": {k: round(v, 1) for k, v in seconds.items()},
        "statement_vectors_mb": round(corpus.statements.nbytes / 2**20),
        "rss_before_mb": round(before), "peak_increase_mb": round(peak - before), "process_peak_mb": round(peak),
        "stories_found": len(found), "largest_story": max(len(s.article_ids) for s in found),
        "pair_precision": precision, "pair_recall": recall,
        # other work on the machine slows every phase: the 1-minute load average before and after
        "load_average": [round(load, 1), round(os.getloadavg()[0], 1)],
    }
    if new_code:
        result["assign"] = assign_last(stories, data, found, NEW_ARTICLES)
        rare = stories.rare_names(corpus.names)
        first, _ = stories.candidate_pairs.__wrapped__(vectors, rare)
        result["candidate_pairs"] = len(first)
        result["exact_search_up_to"] = stories.EXACT_SEARCH_ARTICLES
        if check_recall and articles > stories.EXACT_SEARCH_ARTICLES:
            result["nearest_recall"] = nearest_recall(stories, vectors)
    return result


def assign_last(stories, data, found, count: int) -> dict:
    """The incremental case: the corpus's last ``count`` articles taken out of the stories found
    and added back with ``assign_articles``; its seconds, and how many land where they were."""
    from dataclasses import replace

    from workbench.config import StoryConfig

    new = data.article_ids[-count:]
    left = set(new)
    before = [replace(story, article_ids=kept) for story in found
              if (kept := tuple(a for a in story.article_ids if a not in left))]
    started = time.perf_counter()
    after, placements = stories.assign_articles(before, data, new, StoryConfig())
    elapsed = time.perf_counter() - started
    where = {a: tuple(s.article_ids) for s in found for a in s.article_ids}
    now = {a: tuple(s.article_ids) for s in after for a in s.article_ids}
    return {"new_articles": count, "seconds": round(elapsed, 2), "joined": sum(p.joined for p in placements.values()),
            "same_story_as_all_at_once": sum(now[a] == where[a] for a in new)}


def nearest_recall(stories, vectors) -> float:
    """The share of each article's exact nearest articles that the inverted-file search finds."""
    import numpy as np

    queries = np.arange(len(vectors))
    approximate = stories.nearest_articles(vectors, queries, stories.CANDIDATE_ARTICLES)
    limit = stories.EXACT_SEARCH_ARTICLES
    stories.EXACT_SEARCH_ARTICLES = len(vectors)
    try:
        exact = stories.nearest_articles(vectors, queries, stories.CANDIDATE_ARTICLES)
    finally:
        stories.EXACT_SEARCH_ARTICLES = limit
    found = sum(len(set(a) & set(b)) for a, b in zip(exact.tolist(), approximate.tolist()))
    return round(found / exact.size, 4)


def timed(function, name: str, seconds: dict[str, float]):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started

    wrapper.__wrapped__ = function
    return wrapper


def run_size(articles: int, code: Path | None, check_recall: bool) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(articles)]
    if code is not None:
        command += ["--code", str(code)]
    if check_recall:
        command.append("--check-recall")
    started = time.perf_counter()
    ran = subprocess.run(command, capture_output=True, text=True, cwd=HERE)
    if ran.returncode != 0:
        return {"articles": articles, "code": "dense" if code else "sparse", "failed": ran.stderr[-2000:],
                "seconds_until_failure": round(time.perf_counter() - started, 1)}
    return json.loads(ran.stdout.strip().splitlines()[-1])


def extract(reference: str, folder: Path) -> Path:
    archive = folder / "code.tar"
    subprocess.run(["git", "archive", "--format=tar", "-o", str(archive), reference, "workbench"], cwd=ROOT,
                   check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,50000,100000,200000")
    parser.add_argument("--baseline", metavar="REF", help="also run the code of this git commit")
    parser.add_argument("--baseline-sizes", default="2000,4000,8000")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--check-recall", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.code:  # before common's ROOT, which holds this checkout's package
            sys.path.insert(0, args.code)
        print(json.dumps(child(args.child, SEED, args.check_recall)))
        return
    runs = []
    sizes = [int(size) for size in args.sizes.split(",")]
    for number, size in enumerate(sizes):
        runs.append(run_size(size, None, check_recall=number == 0))
        print(runs[-1], flush=True)
    baseline = []
    if args.baseline:
        with tempfile.TemporaryDirectory(prefix="stories-baseline-") as folder:
            code = extract(args.baseline, Path(folder))
            for size in (int(size) for size in args.baseline_sizes.split(",")):
                baseline.append(run_size(size, code, check_recall=False))
                print(baseline[-1], flush=True)
    write_result("stories_scale", {"machine": machine(), "seed": SEED, "runs": runs, "baseline": baseline,
                                   "baseline_ref": args.baseline or ""})


if __name__ == "__main__":
    main()
