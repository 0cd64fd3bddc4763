#!/usr/bin/env python3
"""Write benchmarks/REPORT.md and its plots (benchmarks/report/*.png) from the results in benchmarks/out.

``run_all.py`` calls :func:`write_report` after running the benchmark scripts, with what it
knows about each script's run (exit status, time). Run on its own
(``python benchmarks/report.py``) it rebuilds the report from the results already there.
Every number comes from a result file a script wrote; each section says when it was
measured, and a section whose script failed or never ran says so instead of showing numbers.
The hand-written benchmarks/history.md (figures measured on their own, and each figure's history)
is appended as it is, so a new run never erases it.
"""

from __future__ import annotations

import os
import statistics
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from common import HERE, OUT, machine, read_result  # noqa: E402

REPORT = HERE / "REPORT.md"
# The hand-written part, appended to every report: figures measured by scripts run on their own, and
# how each figure moved (the generated sections show only the latest result files).
HISTORY = HERE / "history.md"
PLOTS = HERE / "report"
QUICK_REPORT = OUT / "REPORT-quick.md"  # a smoke run never overwrites the committed report and plots
QUICK_PLOTS = OUT / "report-quick"
LOGS = OUT / "logs"
METHODS = ("raw", "centering", "margin", "both")
STAGES = ("embed", "boilerplate", "claims", "index", "group", "verdicts", "store")
PHASES = ("import", "ingest", "export")  # parts of a CLI run outside run.json's stage timings


# -- formatting ----------------------------------------------------------------------------------

def table(header: list[str], rows: list[list[Any]], align: str = "") -> str:
    """A markdown table; ``align`` is one letter per column (l/r), right-aligned by default after the first."""
    align = align or "l" + "r" * (len(header) - 1)
    marks = ["---" if a == "l" else "---:" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f} s" if value < 10 else f"{value:.0f} s" if value >= 100 else f"{value:.1f} s"


def percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def when(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


NO_SCALING_RUN = "_Not measured: `bench_speed.py` ran without its scaling runs (see its log)._"


class Section:
    """A result file and how it relates to this invocation of run_all (fresh, stale, failed, missing)."""

    def __init__(self, name: str, status: dict[str, Any] | None, started: float | None):
        self.name = name
        self.path = OUT / f"{name}.json"
        self.status = status
        self.data = read_result(name)
        self.fresh = self.data is not None and (started is None or self.path.stat().st_mtime >= started)

    def provenance(self, script: str) -> str:
        """One line under the section title: when and by what the numbers were measured, or why there are none."""
        failed = self.status is not None and self.status.get("exit_code") not in (0, None)
        if failed:
            prefix = f"**`{script}` failed in this run (exit {self.status['exit_code']}; log: `benchmarks/out/logs/{self.name}.log`).** "
            if self.data is None:
                return prefix + "No results."
            return prefix + f"The numbers below are from an earlier run, measured {when(self.path)}."
        if self.data is None:
            return f"_Not measured: `{script}` has not been run (no `benchmarks/out/{self.name}.json`)._"
        origin = "this run" if self.fresh and self.status is not None else "an earlier run"
        took = f", took {seconds(self.status['seconds'])}" if self.status and self.fresh else ""
        return f"_Measured by `{script}` in {origin}, {when(self.path)}{took}._"

    def part(self, key: str, script: str, missing: str) -> tuple[Any, str | None]:
        """`key` of the result, or None and the line that says why it is not there."""
        if self.data is None:
            return None, self.provenance(script)
        if not self.data.get(key):
            return None, missing
        return self.data[key], None


# -- plots ---------------------------------------------------------------------------------------

def plot_retrieval(retrieval: dict[str, Any], prefix: str) -> Path:
    pairs = retrieval["by_prefix"][prefix]["pairs"]
    unordered: dict[str, dict[str, list[float]]] = {}
    for name, scores in pairs.items():
        key = "-".join(sorted(name.split("->")))
        for method in METHODS:
            unordered.setdefault(key, {m: [] for m in METHODS})[method].append(scores[method])
    keys = sorted(unordered)
    figure, axis = plt.subplots(figsize=(12, 4.2))
    width = 0.2
    for offset, method in enumerate(METHODS):
        values = [statistics.mean(unordered[key][method]) for key in keys]
        axis.bar([i + (offset - 1.5) * width for i in range(len(keys))], values, width, label=method)
    axis.set_xticks(range(len(keys)), keys)
    axis.set_ylim(0.5, 1.0)
    axis.set_ylabel("top-1 accuracy (mean of both directions)")
    axis.set_title(f"Cross-lingual retrieval on the parallel set, prefix '{prefix}'")
    axis.legend(ncol=4, loc="lower right")
    axis.grid(axis="y", alpha=0.3)
    return save(figure, "retrieval.png")


def plot_grouping(grouping: dict[str, Any]) -> Path:
    names = list(grouping["variants"])
    figure, axis = plt.subplots(figsize=(11, 4.2))
    width = 0.27
    for offset, metric in enumerate(("precision", "recall", "f1")):
        values = [grouping["variants"][name]["best"][metric] for name in names]
        axis.bar([i + (offset - 1) * width for i in range(len(names))], values, width, label=metric)
    axis.set_xticks(range(len(names)), names, rotation=25, ha="right", fontsize=8)
    axis.set_ylabel("at the variant's best threshold")
    axis.set_title("Grouping on the sample corpus against the fact-level gold")
    axis.legend()
    axis.grid(axis="y", alpha=0.3)
    return save(figure, "grouping.png")


def plot_scaling(speed: dict[str, Any]) -> Path:
    rows = [row for row in speed["scaling"] if "warm" in row]
    sizes = [row["statements"] for row in rows]
    figure, (time_axis, memory_axis) = plt.subplots(1, 2, figsize=(13, 6.5), gridspec_kw={"width_ratios": [3, 2]})
    for stage in (*STAGES, *PHASES):
        values = [_stage_seconds(row["warm"], stage) for row in rows]
        if any(v > 0 for v in values):
            time_axis.plot(sizes, [max(v, 1e-3) for v in values], marker="o", linewidth=1, label=stage)
    time_axis.plot(sizes, [row["warm"]["wall_s"] for row in rows], marker="s", color="black", linewidth=2,
                   label="whole run, warm cache (fresh workspace)")
    reruns = [(row["statements"], row["rerun"]["wall_s"]) for row in rows if "rerun" in row]
    if reruns:
        time_axis.plot(*zip(*reruns), marker="s", color="grey", linewidth=2, linestyle="--",
                       label="re-run on the same workspace")
    cold = [(row["statements"], row["cold"]["wall_s"], row["cold"]["max_rss_mb"])
            for row in speed["scaling"] if "cold" in row]
    if cold:
        time_axis.plot([c[0] for c in cold], [c[1] for c in cold], marker="D", color="red", linestyle="",
                       markersize=8, label="whole run that encoded (cold cache)")
    if "ratio" in speed:
        per_statement = speed["ratio"]["encoding_ms_per_statement"] / 1000
        time_axis.plot(sizes, [per_statement * n for n in sizes], color="red", linestyle=":", linewidth=2,
                       label=f"bare encoding: {1000 * per_statement:.1f} ms/statement (measured at "
                             f"{speed['ratio']['statements']:,}) x size")
    time_axis.set_xscale("log")
    time_axis.set_yscale("log")
    time_axis.set_xlabel("statements")
    time_axis.set_ylabel("seconds")
    time_axis.set_title("Time per stage with a warm embedding cache")
    time_axis.grid(True, which="both", alpha=0.3)
    time_axis.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    memory_axis.plot(sizes, [row["warm"]["max_rss_mb"] for row in rows], marker="o", label="warm cache")
    if cold:
        memory_axis.plot([c[0] for c in cold], [c[2] for c in cold], marker="D", linestyle="", color="red",
                         label="run that encoded")
    stopped = [(row["statements"], row["failed"]["max_rss_mb"]) for row in speed["scaling"] if "failed" in row]
    if stopped:
        memory_axis.plot(*zip(*stopped), marker="X", linestyle="", color="black", markersize=9,
                         label="run stopped or failed (peak until then)")
    memory_axis.axhline(2048, color="grey", linestyle="--", label="2 GB target")
    memory_axis.set_xscale("log")
    memory_axis.set_xlabel("statements")
    memory_axis.set_ylabel("peak RSS of `workbench analyze` (MB)")
    memory_axis.set_title("Peak memory")
    memory_axis.grid(True, which="both", alpha=0.3)
    memory_axis.legend(fontsize=8)
    return save(figure, "scaling.png")


def plot_index(index: dict[str, Any]) -> Path:
    rows = index["sizes"]
    sizes = [row["size"] for row in rows]
    figure, (latency_axis, tradeoff_axis) = plt.subplots(1, 2, figsize=(13, 4.8))
    for kind, colour in (("flat", "tab:blue"), ("hnsw", "tab:orange")):
        label = "exact (flat)" if kind == "flat" else f"HNSW (M={index['hnsw']['hnsw_m']})"
        latency_axis.plot(sizes, [row["latency_ms"][kind] for row in rows], marker="o", color=colour, label=label)
        latency_axis.plot(sizes, [row["latency_filtered_ms"][kind] for row in rows], marker="x", color=colour,
                          linestyle="--", label=f"{label}, one language ({index['filter_language']})")
    latency_axis.axvline(index["configured_exact_max"], color="grey", linestyle=":", label="configured exact_max")
    latency_axis.set_xscale("log")
    latency_axis.set_yscale("log")
    latency_axis.set_xlabel("vectors in the index")
    latency_axis.set_ylabel("median latency per query, batch of 1 (ms)")
    latency_axis.set_title("Search latency")
    latency_axis.grid(True, which="both", alpha=0.3)
    latency_axis.legend(fontsize=7)
    sweep = index["ef_sweep"]
    points = sweep["points"]
    tradeoff_axis.plot([p["latency_ms"] for p in points], [p["recall_at_10"] for p in points], marker="o",
                       color="tab:orange", label="HNSW, efSearch sweep")
    for point in points:
        tradeoff_axis.annotate(str(point["ef_search"]), (point["latency_ms"], point["recall_at_10"]),
                               textcoords="offset points", xytext=(4, -10), fontsize=7)
    tradeoff_axis.plot([sweep["flat_latency_ms"]], [1.0], marker="s", color="tab:blue", linestyle="",
                       label="exact (flat)")
    tradeoff_axis.set_xscale("log")
    tradeoff_axis.set_xlabel("median latency per query (ms)")
    tradeoff_axis.set_ylabel("recall@10 against exact search")
    tradeoff_axis.set_title(f"Recall vs latency at {sweep['size']:,} vectors")
    tradeoff_axis.grid(True, which="both", alpha=0.3)
    tradeoff_axis.legend(fontsize=8)
    return save(figure, "index.png")


def save(figure, name: str) -> Path:
    PLOTS.mkdir(parents=True, exist_ok=True)
    path = PLOTS / name
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def image(path: Path, alt: str) -> str:
    return f"![{alt}]({Path(os.path.relpath(path, REPORT.parent)).as_posix()})"


def use_quick_output() -> None:
    """Send the report and its plots of a ``--quick`` run to benchmarks/out/."""
    global REPORT, PLOTS
    REPORT, PLOTS = QUICK_REPORT, QUICK_PLOTS


# -- sections ------------------------------------------------------------------------------------

def _stage_seconds(run: dict[str, Any], name: str) -> float:
    return float(run["stages"].get(name, run["phases"].get(name, 0.0)))


def quantities_section(status: dict[str, Any] | None, started: float | None) -> str:
    """bench_quantities.py prints markdown tables instead of writing a result file: run_all keeps its output."""
    lines = ["## Quantities", ""]
    log = LOGS / "quantities.log"
    failed = status is not None and status.get("exit_code") not in (0, None)
    if failed or not log.exists():
        reason = f"failed in this run (exit {status['exit_code']})" if failed else "has not been run"
        lines.append(f"_`bench_quantities.py` {reason}: no numbers._")
        return "\n".join(lines)
    fresh = status is not None and started is not None and log.stat().st_mtime >= started
    took = f", took {seconds(status['seconds'])}" if fresh else ""
    lines.append(f"_Measured by `bench_quantities.py` in {'this run' if fresh else 'an earlier run'}, {when(log)}{took}: "
                 "exact-match accuracy on the gold phrase table (`tests/data/quantity_phrases.tsv`) and extraction "
                 "time per statement._")
    lines.append("")
    lines += [line for line in log.read_text(encoding="utf-8").splitlines() if line.startswith("|") or not line.strip()]
    return "\n".join(lines).rstrip()


def retrieval_section(section: Section) -> str:
    lines = ["## Cross-lingual retrieval", "", section.provenance("bench_retrieval.py")]
    data = section.data
    if data is None:
        return "\n".join(lines)
    prefixes = list(data["by_prefix"])
    lines += ["", f"Top-1 accuracy of finding a sentence's translation among all {data['sentences']:,} sentences "
              f"of the other language (parallel set, {len(data['languages'])} languages, model `{data['model']}`, "
              f"margin k={data['k']}). Mean over the {len(data['by_prefix'][prefixes[0]]['pairs'])} ordered pairs:", ""]
    rows = []
    for prefix in prefixes:
        entry = data["by_prefix"][prefix]
        rows.append([f"`{prefix}`", *(f"{entry['mean'][m]:.3f}" for m in METHODS),
                     *(f"{entry['mean_without_english'][m]:.3f}" for m in ("raw", "both"))])
    lines.append(table(["prefix", *METHODS, "raw, no English", "both, no English"], rows))
    default = prefixes[0]
    lines += ["", image(plot_retrieval(data, default), "retrieval per language pair"), "",
              "Per pair and direction (source -> target):", ""]
    header = ["pair"] + [f"{m} (`{p}`)" for p in prefixes for m in METHODS]
    pair_rows = []
    for name in data["by_prefix"][default]["pairs"]:
        pair_rows.append([name] + [f"{data['by_prefix'][p]['pairs'][name][m]:.3f}" for p in prefixes for m in METHODS])
    lines.append(table(header, pair_rows))
    return "\n".join(lines)


def grouping_section(section: Section) -> str:
    lines = ["## Grouping", "", section.provenance("bench_grouping.py")]
    data = section.data
    if data is None:
        return "\n".join(lines)
    default, topic = data["default"], data.get("default_topic")
    lines += ["", f"Pairwise precision and recall of cross-article statement pairs on the samples "
              f"({data['eligible_statements']} eligible statements) against the fact-level gold "
              "(`tests/gold/claims.json`; the issue's target: precision 0.8, recall 0.7). At the defaults "
              f"(thresholds {data['default_thresholds']}): **precision {default['precision']:.3f}, recall "
              f"{default['recall']:.3f}, F1 {default['f1']:.3f}**, {default['groups']} groups, required pairs "
              f"found {default['must_group_found']}/{default['must_group_total']}."]
    if topic:
        lines[-1] += (f" Against the topic-level gold (`tests/gold/groups.json`): precision {topic['precision']:.3f}, "
                      f"recall {topic['recall']:.3f}.")
    lines += ["", "Each variant at its best threshold of the sweep (fact-level gold):", ""]
    rows = []
    for name, entry in data["variants"].items():
        best = entry["best"]
        rows.append([name, best["suggested"], f"{best['precision']:.3f}", f"{best['recall']:.3f}",
                     f"{best['f1']:.3f}", f"{best['must_group_found']}/{best['must_group_total']}", best["groups"],
                     best["largest"]])
    lines.append(table(["variant", "threshold", "precision", "recall", "F1", "required pairs", "groups", "largest"],
                       rows))
    ceiling = data.get("ceiling")
    if ceiling:
        pairs = ceiling["_pairs"]
        recalls = [key for key in next(v for k, v in ceiling.items() if k != "_pairs") if key != "auc"]
        lines += ["", f"**What the encoder allows.** Every cross-article pair of the samples ({pairs['cross_article']:,} "
                  f"pairs, {pairs['gold']} of them gold, {pairs['right']} counted right) ranked by one score: the best "
                  "precision any threshold on it reaches at each recall. Grouping links pairs by these scores, so "
                  "this is about as far as it can go on them (groups add pairs by transitivity, but cannot rank "
                  "pairs better than the score does).", ""]
        rows = [[name, f"{row['auc']:.3f}"] + [f"{row[r]:.3f}" for r in recalls]
                for name, row in ceiling.items() if name != "_pairs"]
        lines.append(table(["pair score", "ROC AUC"] + [f"precision at recall {r}" for r in recalls], rows))
    lines += ["", image(plot_grouping(data), "grouping precision, recall and F1 per variant")]
    return "\n".join(lines)


def search_quality_section(section: Section) -> str:
    lines = ["## Search quality", "", section.provenance("bench_search.py")]
    data = section.data
    if data is None:
        return "\n".join(lines)
    k = data["k"]
    lines += ["", f"`Workbench.search_many` on the samples: {data['claims']} short claims written in six languages "
              f"(`tests/gold/search.json`) and the {data['sentences']} gold statements used as queries; the relevant "
              f"answers of a query are its gold cluster (for a statement, the rest of it). `auto` = `query: ` for "
              f"claims under 15 words, the text prefix for longer queries.", ""]
    rows = [[f"`{prefix}`", *(f"{entry[part][metric]:.3f}" for part in ("claims", "sentences")
                              for metric in ("recall_at_k", "mrr_at_k", "hit_at_3"))]
            for prefix, entry in data["by_query_prefix"].items()]
    lines.append(table(["query prefix", f"claims recall@{k}", f"claims MRR@{k}", "claims hit@3",
                        f"sentences recall@{k}", f"sentences MRR@{k}", "sentences hit@3"], rows))
    return "\n".join(lines)


def news_section(section: Section) -> str:
    lines = ["## Real news: stories, then claims", "", section.provenance("bench_news.py")]
    data = section.data
    if data is None:
        return "\n".join(lines)
    targets = data["targets"]
    lines += ["", "NTREX-128 news stories (CC BY-SA 4.0, `benchmarks/data/ntrex/SOURCES.md`), one article per language "
              "(bg, ro, uk, fr) keeping a random 70% of each story's lines, one shared figure multiplied by 5 in some "
              "articles; `Workbench.ingest` + `Workbench.analyze` at the defaults. A pair is right when both statements "
              "are the same line of the same story.", ""]
    rows = []
    for run in data["runs"]:
        copied = (f"{run['copied_flagged_count']} / {run['copied_planted']}" if "copied_planted" in run else "-")
        rows.append([run["seed"], run.get("part", "tuning"), f"{run['statements']:,}",
                     f"{run['stories_found']} / {run['stories_in_corpus']}",
                     f"{run['pair_precision']:.3f}", f"{run['pair_recall']:.3f}",
                     f"{run['planted_flagged_count']} / {run['planted']}", copied,
                     f"{run['agreeing_flagged_count']} / {run['agreeing_in_group']}",
                     f"{run['content_boilerplate_count']} ({percent(run['content_boilerplate'])})",
                     run["largest_group"], run["wrong_pairs_across_stories"], run["wrong_pairs_same_story"],
                     f"{run['pair_precision_within_stories']:.3f}"])
    lines.append(table(["seed", "stories", "statements", "stories found", "pair precision", "pair recall",
                        "planted flagged", "of them copied", "agreeing marked conflict", "content marked boilerplate",
                        "largest group", "wrong pairs across stories", "wrong pairs in one story",
                        "precision within one NTREX story"], rows))
    lines += ["", f"Targets: recall and precision at least {targets['pair_recall']}, at least "
              f"{percent(targets['planted_flagged'])} of planted conflicts flagged, at most "
              f"{percent(targets['agreeing_flagged'])} of agreeing figures in a conflict group, at most "
              f"{percent(targets['content_boilerplate'])} of content marked boilerplate."]
    return "\n".join(lines)


def translation_search_section(section: Section) -> str:
    lines = ["## Search finds the translation", "", section.provenance("bench_translation_search.py")]
    data = section.data
    if data is None:
        return "\n".join(lines)
    summary = data["summary"]
    lines += ["", "`Workbench.search_many`, NTREX-128 sentences: each target language ingested as one-sentence "
              "articles and as one article per story, queries in the other three languages, searched right after "
              "ingest (before any analysis) and again after `analyze`.", ""]
    lines.append(table(["searched", "queries", "top-1 is the translation", "worst direction",
                        "`top=1` / `top=5` first hits differ"],
                       [[when.replace("_", " "), f"{entry['queries']:,}", f"**{entry['top1']:.3f}**",
                         f"{entry['worst_direction']:.3f}", entry["prefix_disagreements"]]
                        for when, entry in summary.items()]))
    lines += ["", f"Target: {data['target']} in both.", ""]
    rows = []
    for result in data["results"]:
        for direction, entry in result["after_ingest"]["directions"].items():
            after = result["after_analysis"]["directions"][direction]
            rows.append([direction, result["mode"].replace("_", "-"), entry["queries"], f"{entry['top1']:.3f}",
                         f"{after['top1']:.3f}", f"{after['ms_per_query']:.1f}"])
    lines.append(table(["direction", "target articles", "queries", "top-1 after ingest", "top-1 after analysis",
                        "ms per query (batch)"], rows))
    return "\n".join(lines)


def _median_round(ratio: dict[str, Any]) -> dict[str, Any]:
    ordered = sorted(ratio["rounds"], key=lambda r: r["pipeline_vs_encoding"])
    return ordered[len(ordered) // 2]


def _failure(record: dict[str, Any]) -> str:
    return f"{record['failed']} (after {seconds(record['wall_s'])}, peak memory {record['max_rss_mb']:,.0f} MB)"


TARGET_LABELS = {
    "pipeline_vs_encoding": ("whole `analyze` / bare encoding (wall clock)", "x", "at most"),
    "warm_vs_cold": ("second run, warm cache / first run", "x", "under"),
    "peak_memory_mb": ("peak memory of `analyze`", " MB", "under"),
    "search_ms": ("`Workbench.search()` median latency", " ms", "under"),
}


def headline_section(speed: Section) -> str:
    lines = ["## Headline", ""]
    if speed.data is None:
        lines.append(speed.provenance("bench_speed.py"))
        return "\n".join(lines)
    rows = []
    for name, target in speed.data["targets"].items():
        label, unit, relation = TARGET_LABELS[name]
        limit = f"{relation} {target['limit']:,}{unit}"
        if target["value"] is None:
            rows.append([label, "-", "not measured", limit, "see below"])
            continue
        value = f"{target['value']:.3f}{unit}" if unit == "x" else f"{target['value']:,.1f}{unit}"
        if target.get("stopped"):
            value = f"over {value} (run stopped)"
        size = f"{target['statements']:,}"
        if target.get("at_target_size") is False:
            size += " (not the target size)"
        if target.get("without_grouping"):
            size += " (analysed without grouping)"
        verdict = "met" if target["met"] else f"**missed** ({target['value'] / target['limit']:.2f} x the limit)"
        rows.append([label, size, value, limit, verdict])
    lines.append(table(["figure", "statements", "measured", "target", ""], rows, "lrrrl"))
    if speed.data["quick"]:
        lines += ["", "**This is a quick smoke run (`--quick`): small sizes, one repeat. Run `make bench` for the "
                  "real figures.**"]
    return "\n".join(lines)


def speed_section(section: Section) -> str:
    lines = ["## Speed: whole pipeline vs bare encoding, warm vs cold", "", section.provenance("bench_speed.py")]
    data = section.data
    if data is None:
        return "\n".join(lines)
    if "ratio" not in data:
        lines += ["", f"**Not measured: a run failed or was stopped: {_failure(data['ratio_failed'])}.**"]
        return "\n".join(lines)
    ratio = data["ratio"]
    middle = _median_round(ratio)
    lines += ["", f"Synthetic corpus `{ratio['corpus']}` ({ratio['statements']:,} statements; see "
              "`benchmarks/synthetic.py`). In each of "
              f"{ratio['repeats']} repeat(s), back to back: **(b)** `workbench analyze CORPUS --out DIR` on a fresh "
              "workspace with an empty embedding cache (ingest, every stage, export incl. XLSX), **(c)** the same "
              "command again (warm cache), **(a)** the encoder's `encode()` alone on exactly the "
              f"{middle['bare']['texts']:,} unique texts the pipeline embedded. Medians over repeats:", ""]
    rows = [
        ["whole pipeline / bare encoding (b/a)", f"{ratio['pipeline_vs_encoding']:.3f}",
         f"{ratio['pipeline_vs_encoding_cpu']:.3f}", "at most 1.3"],
        ["warm run / cold run (c/b)", f"{ratio['warm_vs_cold']:.3f}", f"{ratio['warm_vs_cold_cpu']:.3f}", "under 0.10"],
        ["cross-check: whole pipeline / its own embed stage", f"{ratio['pipeline_vs_embed_stage']:.3f}", "-", ""],
    ]
    lines.append(table(["ratio", "wall clock", "CPU time", "target"], rows))
    lines += ["", "The cross-check divides the cold run by the time its own embed stage took (encoding plus cache "
              "look-ups and writes), measured in the same process at the same moment: other load on the machine "
              "that changes between (a) and (b) cannot bias it."]
    lines += ["", "Each repeat (wall clock; load = 1-minute load average before the cold run, on "
              f"{data['machine']['cores']} cores):", ""]
    rows = []
    for number, r in enumerate(ratio["rounds"], start=1):
        rows.append([number, seconds(r["bare"]["wall_s"]), seconds(r["cold"]["wall_s"]), seconds(r["warm"]["wall_s"]),
                     f"{r['pipeline_vs_encoding']:.3f}", f"{r['warm_vs_cold']:.3f}", r["cold"]["load_before"]])
    lines.append(table(["repeat", "bare encoding (a)", "cold analyze (b)", "warm analyze (c)", "b/a", "c/b", "load"],
                       rows))
    lines += ["", "Where the time goes in the median repeat (`run.json` stage timings; start-up, ingest and export "
              "timed around the CLI's calls by `benchmarks/timed_cli.py`):", ""]
    cold, warm, bare = middle["cold"], middle["warm"], middle["bare"]["wall_s"]
    rows = []
    for name in ("import", "ingest", *STAGES, "export"):
        c, w = _stage_seconds(cold, name), _stage_seconds(warm, name)
        rows.append([name, seconds(c), percent(c / bare), seconds(w), percent(w / cold["wall_s"])])
    rows.append(["**whole process**", seconds(cold["wall_s"]), percent(cold["wall_s"] / bare), seconds(warm["wall_s"]),
                 percent(warm["wall_s"] / cold["wall_s"])])
    lines.append(table(["part", "cold run", "share of bare encoding", "warm run", "share of cold run"], rows))
    lines += ["", f"Cold run: {cold['encoded']:,} statements encoded, peak memory {cold['max_rss_mb']:,.0f} MB; "
              f"warm run: {warm['from_cache']:,} read from the cache, peak memory {warm['max_rss_mb']:,.0f} MB. "
              f"Bare encoding: {middle['bare']['per_statement_ms']:.1f} ms per statement."]
    return "\n".join(lines)


def scaling_section(section: Section) -> str:
    lines = ["## Scaling from 1k to 100k statements", ""]
    rows_data, missing = section.part("scaling", "bench_speed.py", NO_SCALING_RUN)
    if missing:
        return "\n".join([*lines, missing])
    data = section.data
    lines += ["Every size runs `workbench analyze` on a fresh workspace whose embedding cache is the benchmarks' own "
              "(`benchmarks/out/cache`), so each size's statements are encoded once per machine; the corpora are "
              "prefixes of one synthetic stream. Times below are the warm-cache run on a fresh workspace (ingest, "
              "every stage, index build, export); _re-run_ is the same command again on that workspace.", ""]
    if any("warm" in row for row in rows_data):
        lines += [image(plot_scaling(data), "time per stage and peak memory vs corpus size"), ""]
    header = ["statements", *PHASES[:2], *STAGES[1:], PHASES[2], "whole run", "re-run", "peak memory", "index"]
    rows = []
    for row in rows_data:
        if "warm" not in row:
            continue
        warm = row["warm"]
        rerun = seconds(row["rerun"]["wall_s"]) if "rerun" in row else "-"
        rows.append([f"{row['statements']:,}", *(seconds(_stage_seconds(warm, n)) for n in (*PHASES[:2], *STAGES[1:],
                                                                                             PHASES[2])),
                     f"**{seconds(warm['wall_s'])}**", rerun, f"{warm['max_rss_mb']:,.0f} MB", warm["index_kind"]])
    lines.append(table(header, rows))
    cold_rows = [row for row in rows_data if "cold" in row]
    lines += ["", "Runs that encoded (the benchmark cache did not hold these statements yet):", ""]
    if cold_rows:
        rows = [[f"{row['statements']:,}", f"{row['cold']['encoded']:,}", seconds(row["cold"]["stages"]["embed"]),
                 seconds(row["cold"]["wall_s"]), f"{row['cold']['max_rss_mb']:,.0f} MB"] for row in cold_rows]
        lines.append(table(["statements", "encoded", "embed stage", "whole run", "peak memory"], rows))
    else:
        lines.append("_None in this run: every size read its vectors from the benchmark cache, filled by an earlier "
                     "run._")
    for row in rows_data:
        if "failed" in row:
            lines += ["", f"**{row['statements']:,} statements: {_failure(row['failed'])}.** Larger sizes were not run."]
    lines += ["", "Grouping at each size (warm run): " + "; ".join(
        f"{row['statements']:,}: {row['warm']['grouping'].get('candidate_links', 0):,} links, "
        f"{row['warm']['grouping'].get('groups', 0):,} groups, "
        f"{row['warm']['grouping'].get('grouped_statements', 0):,} statements in groups"
        for row in rows_data if "warm" in row) + "."]
    return "\n".join(lines)


def memory_section(section: Section) -> str:
    lines = ["## Memory", ""]
    scaling, missing = section.part("scaling", "bench_speed.py", NO_SCALING_RUN)
    if missing:
        return "\n".join([*lines, missing])
    largest = scaling[-1]
    lines += [f"Peak resident memory (max RSS) of `workbench analyze` on {largest['statements']:,} statements:", ""]
    rows = []
    labels = {"cold": "fresh workspace, encoding every statement", "warm": "fresh workspace, warm embedding cache",
              "rerun": "same workspace again", "failed": "stopped or failed run"}
    for name, label in labels.items():
        if name in largest:
            run = largest[name]
            encoded = f"{run['encoded']:,}" if "encoded" in run else "-"
            rows.append([label, encoded, f"{run['max_rss_mb']:,.0f} MB"])
    lines.append(table(["run", "statements encoded", "peak memory"], rows))
    if "failed" in largest:
        lines += ["", f"The last run was {_failure(largest['failed'])}: its peak is a lower bound."]
    if "cold" not in largest:
        lines += ["", "_No run at this size encoded: every vector came from the benchmark cache, filled by an earlier "
                  "`make bench`. The encoder's own memory is bounded by its batch (64 texts); the cold and warm "
                  "peaks of the 10k ratio runs show the difference encoding makes._"]
    return "\n".join(lines)


def long_article_section(section: Section) -> str:
    lines = ["## Memory: one long article", "", section.provenance("bench_long_article.py")]
    if section.data is None:
        return "\n".join(lines)
    data = section.data
    lines += ["", f"`workbench analyze` on the samples plus one single-line article of {data['characters']:,} characters "
              f"({data['statements_asked']:,} sentences in `{data['language']}`), on a fresh workspace whose embedding "
              "cache already holds its vectors; peak resident memory of the process and `run.json`'s stage times "
              "(wall clock, the machine shared):", ""]
    rows = []
    for name, label in (("baseline", "before"), ("current", "this code")):
        run = data.get(name)
        if run is None:
            continue
        code = f"{label} (`{run['commit']}`)" if "commit" in run else label
        if "failed" in run:
            rows.append([code, "-", f"{_failure(run)}", "-", "-"])
            continue
        rows.append([code, f"{run['statements']:,}", f"{run['max_rss_mb']:,.0f} MB", seconds(run["stages"].get("group")),
                     seconds(run["wall_s"])])
    lines.append(table(["code", "statements", "peak memory", "group stage", "whole run"], rows))
    return "\n".join(lines)


SCALE_STAGES = ("ingest", "boilerplate", "claims", "index", "stories", "group", "verdicts", "store")


def plot_scale(rows: list[dict[str, Any]]) -> Path:
    sizes = [row["statements"] for row in rows]
    figure, (time_axis, memory_axis) = plt.subplots(1, 2, figsize=(13, 6), gridspec_kw={"width_ratios": [3, 2]})
    for stage in SCALE_STAGES:
        values = [row["ingest_s"] if stage == "ingest" else row["stages_s"].get(stage, 0.0) for row in rows]
        time_axis.plot(sizes, [max(v, 1e-2) for v in values], marker="o", linewidth=1, label=stage)
    time_axis.plot(sizes, [row["ingest_s"] + row["analysis_s"] for row in rows], marker="s", color="black",
                   linewidth=2, label="ingest and full analysis")
    linear = rows[0]["ingest_s"] + rows[0]["analysis_s"]
    time_axis.plot(sizes, [linear * n / sizes[0] for n in sizes], color="grey", linestyle=":",
                   label=f"linear from {sizes[0]:,}")
    for axis in (time_axis, memory_axis):
        axis.set_xscale("log")
        axis.set_xlabel("statements")
        axis.grid(True, which="both", alpha=0.3)
    time_axis.set_yscale("log")
    time_axis.set_ylabel("seconds")
    time_axis.set_title("Time per stage (vectors read from the cache)")
    time_axis.legend(fontsize=8, loc="upper left")
    memory_axis.plot(sizes, [row["peak_rss_mb"] for row in rows], marker="o", color="black")
    memory_axis.set_ylabel("peak resident memory of ingest and analysis (MB)")
    memory_axis.set_title("Peak memory")
    return save(figure, "scale.png")


def scale_section(section: Section) -> str:
    lines = ["## Every stage from 10k statements up, on synthetic vectors", "", section.provenance("bench_scale.py")]
    if section.data is None:
        return "\n".join(lines)
    done = [row for row in section.data["rows"] if "failed" not in row]
    lines += ["", "A full analysis of synthetic corpora (articles of 25 statements in four languages, in stories of 1 to "
              "50 articles), each size on a fresh workspace in a fresh process. The statements' vectors are structured "
              "random ones (each its fact's direction, a language offset and noise) written into the embedding cache "
              "beforehand: encoding is not in these times, every other stage runs for real. Peak memory is the "
              "process's whole peak over ingest and analysis.", ""]
    if done:
        lines += [image(plot_scale(done), "time per stage and peak memory by corpus size"), ""]
        rows = [[f"{row['statements']:,}", seconds(row["ingest_s"]),
                 *(seconds(row["stages_s"].get(stage)) for stage in SCALE_STAGES[1:]),
                 f"**{seconds(row['ingest_s'] + row['analysis_s'])}**", f"{row['peak_rss_mb']:,} MB",
                 row.get("index") or "-"] for row in done]
        lines.append(table(["statements", *SCALE_STAGES, "whole", "peak memory", "index"], rows))
    for row in section.data["rows"]:
        if "failed" in row:
            lines += ["", f"{row['size']:,} statements: not measured, {row['failed']}."]
    missing = [size for size in section.data["sizes"] if size not in {row["size"] for row in section.data["rows"]}]
    if missing:
        lines += ["", "Not run: " + ", ".join(f"{size:,}" for size in missing) + " statements."]
    return "\n".join(lines)


def stories_scale_section(section: Section) -> str:
    lines = ["## Stories at scale", "", section.provenance("bench_stories_scale.py")]
    if section.data is None:
        return "\n".join(lines)
    runs = [run for run in section.data["runs"] if "failed" not in run]
    failed = [run for run in section.data["runs"] + section.data["baseline"] if "failed" in run]
    lines += ["", "`find_stories` on synthetic article vectors (`benchmarks/synthetic_stories.py`: stories of 1 to 50 "
              "articles in topics of 20, six languages, about 12 statements an article in 384 dimensions, rare and "
              "common names, dates), each size in a fresh process: wall-clock seconds of story finding and of its "
              "phases (candidate pairs: nearest articles and shared names; shared statements measured on them; "
              "linkage), peak resident memory above the corpus the process already held, and the process's whole "
              "peak. The machine was shared: the load column is its 1-minute load average (2 cores) before and "
              "after.", ""]
    rows = []
    for run in runs:
        phases = run["phases_s"]
        rows.append([f"{run['articles']:,}", f"{run['statements']:,}", f"{run['candidate_pairs']:,}",
                     f"{run['stories_found']:,} ({run['true_stories']:,})",
                     f"{run['pair_precision']:.3f} / {run['pair_recall']:.3f}", seconds(run["seconds"]),
                     " / ".join(seconds(phases.get(name)) for name in
                                ("candidate_pairs", "shared_statement_similarity", "weighted_average_linkage")),
                     f"{run['peak_increase_mb']:,} MB", f"{run['process_peak_mb']:,} MB",
                     f"{run['statement_vectors_mb']:,} MB", " / ".join(str(x) for x in run["load_average"])])
    lines.append(table(["articles", "statements", "candidate pairs", "stories (true)", "pair precision / recall",
                        "time", "candidates / measure / linkage", "peak above corpus", "process peak",
                        "statement vectors", "load"], rows))
    if len(runs) > 1:
        first, last = runs[0], runs[-1]
        growth = last["articles"] / first["articles"]
        lines += ["", f"From {first['articles']:,} to {last['articles']:,} articles ({growth:.0f} times as many): time "
                  f"{last['seconds'] / first['seconds']:.1f} times, peak above the corpus "
                  f"{last['peak_increase_mb'] / max(first['peak_increase_mb'], 1):.1f} times."]
    recall = next((run for run in runs if "nearest_recall" in run), None)
    if recall:
        lines += ["", f"At {recall['articles']:,} articles the inverted-file search (above "
                  f"{recall['exact_search_up_to']:,} articles) found {percent(recall['nearest_recall'])} of each "
                  "article's exact nearest articles."]
    assigned = [run for run in runs if "assign" in run]
    if assigned:
        lines += ["", "Incremental: the last 20 articles taken out of the stories found and put back with "
                  "`assign_articles`: " + "; ".join(
                      f"{run['articles']:,} articles {seconds(run['assign']['seconds'])}, "
                      f"{run['assign']['same_story_as_all_at_once']}/{run['assign']['new_articles']} in the story "
                      "of one analysis" for run in assigned) + "."]
    baseline = [run for run in section.data["baseline"] if "failed" not in run]
    if baseline:
        lines += ["", f"The dense code it replaced (`{section.data['baseline_ref']}`: n x n arrays), on the same corpora:", ""]
        lines.append(table(["articles", "time", "peak above corpus", "bytes per article pair", "stories (true)"],
                           [[f"{run['articles']:,}", seconds(run["seconds"]), f"{run['peak_increase_mb']:,} MB",
                             f"{run['peak_increase_mb'] * 2**20 / run['articles'] ** 2:.0f}",
                             f"{run['stories_found']:,} ({run['true_stories']:,})"] for run in baseline]))
    for run in failed:
        lines += ["", f"The {run['code']} run at {run['articles']:,} articles failed after "
                  f"{seconds(run['seconds_until_failure'])}: `{run['failed'].strip().splitlines()[-1]}`"]
    return "\n".join(lines)


def index_section(section: Section) -> str:
    lines = ["## Index: exact vs HNSW", ""]
    index, missing = section.part("index", "bench_speed.py",
                                  "_Not measured: no workspace was ingested by the scaling runs._")
    if missing:
        return "\n".join([*lines, missing])
    data = section.data
    hnsw = index["hnsw"]
    lines += [f"The library's `VectorIndex` with `kind=\"flat\"` (exact inner product) and `kind=\"hnsw\"` "
              f"(M={hnsw['hnsw_m']}, efConstruction={hnsw['ef_construction']}, efSearch={hnsw['ef_search']}) on the "
              f"synthetic corpus's own vectors; {index['queries']} queries from {index['query_source']}; k=10; "
              f"{data['machine']['threads'] or 'default'} threads. _Filtered_ = restricted to one language "
              f"({index['filter_language']}, {percent(index['filter_share'])} of the rows) with an ID selector, "
              "as `Workbench.search()` does. _All-rows search_ = what the grouping stage does (every row queries "
              "the index): build time plus the per-query cost in a batch times the rows. Recall@10 counts a hit "
              "when its score reaches exact search's 10th (ties between identical texts count).", "",
              image(plot_index(index), "index latency and recall"), ""]
    rows = []
    for row in index["sizes"]:
        rows.append([f"{row['size']:,}", f"{row['latency_ms']['flat']:.2f}", f"{row['latency_ms']['hnsw']:.2f}",
                     _ratio(row['latency_ms']['hnsw'], row['latency_ms']['flat']),
                     f"{row['recall_at_10']:.3f}", f"{row['latency_filtered_ms']['flat']:.2f}",
                     f"{row['latency_filtered_ms']['hnsw']:.2f}", f"{row['recall_at_10_filtered']:.3f}",
                     seconds(row["build_s"]["hnsw"]), seconds(row["all_rows_search_s"]["flat"]),
                     seconds(row["all_rows_search_s"]["hnsw"])])
    lines.append(table(["vectors", "flat ms", "HNSW ms", "HNSW / flat latency", "recall@10", "flat ms (filtered)", "HNSW ms (filtered)",
                        "recall@10 (filtered)", "HNSW build", "all-rows flat", "all-rows HNSW (incl. build)"], rows))
    sweep = index["ef_sweep"]
    lines += ["", f"efSearch at {sweep['size']:,} vectors (exact: {sweep['flat_latency_ms']:.2f} ms): " + ", ".join(
        f"{p['ef_search']} -> recall {p['recall_at_10']:.3f} in {p['latency_ms']:.2f} ms" for p in sweep["points"]) + "."]
    recommendation = index["recommended_exact_max"]
    if recommendation["size"]:
        lines += ["", f"**Recommended `index.exact_max`: about {recommendation['size']:,}** ({recommendation['basis']}); "
                  f"configured: {index['configured_exact_max']:,}."]
    else:
        lines += ["", f"**Recommended `index.exact_max`: keep exact search up to at least "
                  f"{index['sizes'][-1]['size']:,}** ({recommendation['basis']}); configured: "
                  f"{index['configured_exact_max']:,}."]
    return "\n".join(lines)


def archive_index_section(section: Section) -> str:
    lines = ["## Archive index: past `index.exact_max`", "", section.provenance("bench_archive_index.py")]
    data = section.data
    if data is None:
        return "\n".join(lines)
    search, built, drawn = data["search"], data["build"], data["synthetic"]
    archive = built["archive"]
    lines += ["", f"{data['statements']:,} statements: {data['real_statements']:,} real ones (the NTREX-128 news "
              f"sentences in {data['languages']} languages, encoded by the workbench's encoder into its scoring space) "
              f"and synthetic ones drawn around them (a real vector at random, plus Gaussian noise with the real "
              f"vectors' covariance, scaled so the mean cosine to that seed, {drawn['mean_cosine_to_seed']}, is a real "
              f"sentence's median cosine to its nearest other sentence in its language, {drawn['target_cosine']}; the "
              f"seed's language). {data['queries']} queries: NTREX sentences in {', '.join(data['query_languages'])} "
              "(languages the index does not hold), encoded as `Workbench.search` encodes them. The index is built as "
              f"a workspace builds it (`VectorIndex.add`, then `save`): {archive['lists']:,} IVF lists, SQ8 codes, "
              f"{built['shards']} shards, probe {archive['probe']}, {archive['rerank']} candidates per language "
              "re-ranked against the float16 vectors. A fresh process opens it and searches one query at a time "
              f"(OpenMP threads: {data.get('build_threads', '2')} for the build, "
              f"{data.get('measure_threads', data.get('build_threads', '2'))} for the searches and the encoding). "
              f"Latency is the index call `Workbench.search` makes (`search_each`, {data['fetch']} nearest per language for "
              "every language), alone and after the query's encoding; the store lookups of the hits are not in it. "
              "Memory is the growth of the process's anonymous resident memory from before the index is opened to "
              "after every search (the memory-mapped lists and vectors are file pages, shown apart).", ""]
    if not data.get("all_languages_encoded", True):
        lines += [f"**Fewer real statements than planned:** this run used the {data['languages']} languages encoded "
                  f"when it started ({', '.join(data['corpus_languages'])}), {data['real_statements']:,} real "
                  "statements" + (" where the issue asks for at least 100,000" if data["real_statements"] < 100_000
                                  else "") + f"; the rest of the {data['statements']:,} are synthetic.", ""]
    each = search["recall_at_10_each_language"]
    memory = search["memory_mb"]
    lines.append(table(["figure", "measured", "target"], [
        ["recall@10 against exact search", f"{search['recall_at_10']:.3f}", "at least 0.95"],
        [f"recall@10 filtered to one language ({data['filter_language']}, {percent(data['filter_share'])} of the rows)",
         f"{search['recall_at_10_filtered']:.3f}", "at least 0.95"],
        [f"recall@10 of each of the {data['languages']} languages from one `search_each` (mean; worst)",
         f"{each['mean']:.3f}; {each['min']:.3f} ({each['worst']})", "-"],
        ["search latency with the query's encoding (median; p90)",
         f"{search['with_encoding']['median_ms']:.1f} ms; {search['with_encoding']['p90_ms']:.1f} ms", "under 50 ms"],
        ["the index call alone (median; p90)",
         f"{search['index_call']['median_ms']:.1f} ms; {search['index_call']['p90_ms']:.1f} ms", "-"],
        [f"the index call filtered to {data['filter_language']} alone (median; p90)",
         f"{search['filtered_index_call']['median_ms']:.1f} ms; {search['filtered_index_call']['p90_ms']:.1f} ms", "-"],
        ["resident memory per million vectors, beyond the mapped files",
         f"{search['resident_mb_per_million']:.0f} MB", "at most 300 MB"],
        ["build, one shard worker (train, encode, merge, save)", seconds(built["seconds"]), "-"],
    ]))
    delta = search["with_full_delta"]
    lines += ["", f"Encoding a query took {search['encoding']['median_ms']:.1f} ms (median). Opening the index took "
              f"{search['open_ms']:.0f} ms; the first search {search['first_search_ms']:.0f} ms (it works out which "
              f"language every row is in, once per set of statements). Mapped file pages touched: "
              f"{memory['file_growth']:.0f} MB. With a full delta ({delta['rows']:,} recent statements searched "
              f"exactly beside the archive) the index call took {delta['index_call']['median_ms']:.1f} ms (median). "
              f"On disk: {built['disk_mb']['total']:,.0f} MB ({built['disk_mb']['lists']:,.0f} MB of merged lists, "
              f"{built['disk_mb']['float16_vectors']:,.0f} MB of float16 vectors, {built['disk_mb']['shard_codes']:,.0f} MB "
              "of shard codes kept for merging the next shard in).", "",
              "The build's own log: " + "; ".join(f"\"{line}\"" for line in built["log"]) + ".", "",
              f"`index.archive_probe` (lists scanned per query; {archive['lists']:,} lists):", "",
              table(["probe", "recall@10", "recall@10 filtered", "each language (mean; worst)", "index call (median)"],
                    [[row["probe"], f"{row['recall_at_10']:.3f}", f"{row['recall_at_10_filtered']:.3f}",
                      f"{row['recall_at_10_each_language']['mean']:.3f}; {row['recall_at_10_each_language']['min']:.3f}",
                      f"{row['index_call']['median_ms']:.1f} ms"] for row in search["probe_sweep"]])]
    if data.get("hnsw"):
        hnsw, graph = data["hnsw"]["search"], data["hnsw"]["build"]
        lines += ["", f"**HNSW on the same vectors** (M {graph['m']}, efConstruction {graph['ef_construction']}, "
                  f"efSearch {graph['ef_search']}; what a workspace past `index.exact_max` used before), measured the "
                  "same way:", "",
                  table(["figure", "archive (IVF-SQ8)", "HNSW"], [
                      ["recall@10", f"{search['recall_at_10']:.3f}", f"{hnsw['recall_at_10']:.3f}"],
                      [f"recall@10 filtered to {data['filter_language']}", f"{search['recall_at_10_filtered']:.3f}",
                       f"{hnsw['recall_at_10_filtered']:.3f}"],
                      ["each language from one `search_each` (mean; worst)",
                       f"{each['mean']:.3f}; {each['min']:.3f}",
                       f"{hnsw['recall_at_10_each_language']['mean']:.3f}; {hnsw['recall_at_10_each_language']['min']:.3f}"],
                      ["the index call (median)", f"{search['index_call']['median_ms']:.1f} ms",
                       f"{hnsw['index_call']['median_ms']:.1f} ms"],
                      ["with the query's encoding (median)", f"{search['with_encoding']['median_ms']:.1f} ms",
                       f"{hnsw['with_encoding']['median_ms']:.1f} ms"],
                      ["resident memory per million vectors", f"{search['resident_mb_per_million']:.0f} MB",
                       f"{hnsw['resident_mb_per_million']:.0f} MB"],
                      ["build", seconds(built["seconds"]), seconds(graph["seconds"])],
                  ])]
    if data.get("search_note"):
        lines += ["", f"_Note: {data['search_note']}._"]
    load, start_load = data.get("load_average"), data.get("load_average_at_start")
    if load and max(load[0], (start_load or load)[0]) > (data["machine"]["cores"] or 1):
        at_start = f"{start_load[0]:.1f} at the start of the run, " if start_load else ""
        lines += ["", f"**The machine was busy with other work** (1-minute load average {at_start}{load[0]:.1f} at "
                  f"its end, on {data['machine']['cores']} cores): times are slower than on an idle machine."]
    return "\n".join(lines)


def _ratio(part: float, whole: float) -> str:
    return f"{part / whole:.2f}x" if whole else "-"


def search_section(section: Section) -> str:
    lines = ["## Search latency", ""]
    search, missing = section.part("search", "bench_speed.py",
                                   "_Not measured: no scaling run finished, so there was no analysed workspace to search._")
    if missing:
        return "\n".join([*lines, missing])
    lines.append(
        f"`Workbench.search(query)` on the {search['statements']:,}-statement workspace ({search['index_kind']} "
        f"index), {search['queries']} different queries (parallel-set sentences in six languages), one at a time, "
        f"query encoding included: **median {search['median_ms']:.1f} ms**, 90th percentile {search['p90_ms']:.1f} ms, "
        f"max {search['max_ms']:.1f} ms (target: under 50 ms at 100k statements). Encoding the query alone takes "
        f"{search['query_encoding_median_ms']:.1f} ms (median). The first search of a session, which loads the "
        f"encoder and the index, took {search['first_search_ms']:,.0f} ms.")
    if search.get("profile"):
        lines += ["", "Where a search spends its time (cProfile over 10 searches; share of `search()`'s time, "
                  "nested calls overlap):", "",
                  table(["function", "share"], [[f"`{e['function']}`", percent(e["share"])] for e in search["profile"]])]
    if "fallback" in search:
        lines += ["", f"**The default analysis of this workspace did not finish (see Scaling), so for this "
                  f"measurement it was analysed again with grouping switched off "
                  f"(`{' '.join('--set ' + s for s in search['fallback']['settings'])}`): the index, the "
                  "statements and the neighbour statistics search reads are all there, but no groups.**"]
    return "\n".join(lines)


def caveats_section(speed: Section) -> str:
    lines = ["## How to read these numbers", "",
             "- Ratios are measured in one run, back to back, so they hold on other machines better than the "
             "absolute times. CPU-time ratios are shown beside wall-clock ones: the machine may be shared, and CPU "
             "time is less sensitive to other load (the 1-minute load average is recorded with each run).",
             "- The synthetic corpus reshuffles the ~100 content sentences of `data/samples` (splices, rotated "
             "clauses, swapped words): real languages, real lengths and vocabulary, every text unique. Its "
             "statements are far more alike than a real corpus's, so grouping finds larger groups than it would; "
             "the grouping, verdict and export times are pessimistic estimates."]
    if speed.data is not None:
        runs = [r["cold"] for r in speed.data.get("ratio", {}).get("rounds", [])]
        runs += [row[name] for row in speed.data.get("scaling", []) for name in ("cold", "warm", "rerun") if name in row]
        loads = [run["load_before"] for run in runs] + [run["load_after"] for run in runs]
        cores = speed.data["machine"]["cores"] or 1
        if loads and max(loads) > cores:
            lines.append(f"- **The machine was busy with other work during this run** (1-minute load average up to "
                         f"{max(loads):.1f} on {cores} cores): absolute times are slower than on an idle machine, "
                         "and the ratios are noisier.")
    return "\n".join(lines)


def scripts_section(status: dict[str, Any] | None) -> str:
    lines = ["## Scripts", ""]
    if not status:
        lines.append("_Report rebuilt from existing results (`python benchmarks/report.py`); no script was run._")
        return "\n".join(lines)
    rows = [[f"`{entry['script']}` {' '.join(entry['args'])}".strip(), entry["exit_code"], seconds(entry["seconds"])]
            for entry in status["scripts"].values()]
    lines.append(table(["script", "exit", "time"], rows, "lrr"))
    lines += ["", "Run them all with `make bench` (`python benchmarks/run_all.py`; `--quick` for a smoke run, whose report goes to "
              "`benchmarks/out/REPORT-quick.md`); each "
              "script also runs on its own and writes `benchmarks/out/<name>.json`."]
    return "\n".join(lines)


def machine_section() -> str:
    info = machine()
    rows = [["CPU", f"{info['cpu']} ({info['cores']} cores)"], ["threads (OMP_NUM_THREADS)", info["threads"] or "unset"],
            ["Python", info["python"]], ["platform", info["platform"]], ["commit", f"`{info['commit']}`"]]
    rows += [[package, version] for package, version in info["versions"].items()]
    return "## Machine and versions\n\n" + table(["", ""], rows, "ll")


def history_section() -> str | None:
    """benchmarks/history.md as it is, or None when there is none."""
    return HISTORY.read_text(encoding="utf-8").strip() if HISTORY.exists() else None


def write_report(status: dict[str, Any] | None = None) -> Path:
    """Write REPORT.md and the plots; ``status`` is run_all's record of this invocation (None: rebuild only)."""
    started = status["started"] if status else None
    scripts = (status or {}).get("scripts", {})
    sections = {name: Section(name, scripts.get(name), started)
                for name in ("retrieval", "grouping", "search_quality", "news", "translation_search", "speed",
                             "long_article", "stories_scale", "archive_index", "scale")}
    speed = sections["speed"]
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "# Benchmark report",
        f"Written by `benchmarks/run_all.py` ({'`make bench`' if status else 'rebuilt from existing results'}) "
        f"on {generated}. Figures are medians where a measurement was repeated, and speed figures are ratios "
        "measured in one run. Plots are in `benchmarks/report/`.",
        machine_section(),
        headline_section(speed),
        quantities_section(scripts.get("quantities"), started),
        retrieval_section(sections["retrieval"]),
        grouping_section(sections["grouping"]),
        search_quality_section(sections["search_quality"]),
        news_section(sections["news"]),
        translation_search_section(sections["translation_search"]),
        speed_section(speed),
        scaling_section(speed),
        scale_section(sections["scale"]),
        memory_section(speed),
        long_article_section(sections["long_article"]),
        stories_scale_section(sections["stories_scale"]),
        index_section(speed),
        search_section(speed),
        archive_index_section(sections["archive_index"]),
        caveats_section(speed),
        scripts_section(status),
    ]
    history = history_section()
    if history:
        parts.append(history)
    REPORT.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return REPORT


if __name__ == "__main__":
    print(f"wrote {write_report()}")
