"""Accuracy and speed of workbench.quantities on the gold phrase table.

Usage: python benchmarks/bench_quantities.py [--phrases PATH] [--repeat N]

Prints a markdown table of exact-match accuracy per language (a phrase counts as
right when the expected quantity is found with the same value, low, high,
approximator, unit_key and kind, or, for a negative phrase, when nothing is found
where nothing should be), then the time per statement on the phrase table and on
the sentences of data/samples/*.txt.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import defaultdict
from pathlib import Path

from workbench.evaluation import PhraseCase, load_phrase_table, same_number as _same
from workbench.model import Quantity
from workbench.quantities import extract_quantities

ROOT = Path(__file__).resolve().parent.parent
PHRASES = ROOT / "tests" / "data" / "quantity_phrases.tsv"
SAMPLES = ROOT / "data" / "samples"
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
# The samples' languages, by file-name prefix (the files carry no metadata).
SAMPLE_LANGUAGES = {"000": "ro", "001": "uk", "002": "fr", "003": "bg", "004": "bg"}


def load_cases(path: Path = PHRASES) -> list[PhraseCase]:
    return load_phrase_table(path)


def judge(case: PhraseCase, quantities: list[Quantity]) -> str:
    """"" when the parser's output matches the case, else why not."""
    if case.anchor:
        at = case.text.find(case.anchor)
        assert at >= 0, f"anchor {case.anchor!r} not in {case.text!r}"
        anchor_end = at + len(case.anchor)
        if case.kind == "none":
            hits = [q for q in quantities if q.start < anchor_end and at < q.end]
            return f"unexpected {hits}" if hits else ""
        candidates = [q for q in quantities if q.start <= at < q.end]
        if not candidates:
            return f"nothing at {case.anchor!r}; found {quantities}"
        found = candidates[0]
    else:
        if case.kind == "none":
            return f"unexpected {quantities}" if quantities else ""
        if len(quantities) != 1:
            return f"expected one quantity, found {quantities}"
        found = quantities[0]
    wrong = [
        name for name, ok in (
            ("kind", found.kind == case.kind),
            ("value", _same(found.value, case.value)),
            ("low", _same(found.low, case.low)),
            ("high", _same(found.high, case.high)),
            ("approximator", found.approximator == case.approximator),
            ("unit_key", found.unit_key == case.unit_key),
        ) if not ok
    ]
    return f"wrong {', '.join(wrong)}: {found}" if wrong else ""


def sample_statements() -> list[tuple[str, str]]:
    statements = []
    for path in sorted(SAMPLES.glob("*.txt")):
        language = SAMPLE_LANGUAGES.get(path.name[:3], "und")
        for sentence in _SENTENCE_END.split(path.read_text(encoding="utf-8")):
            if sentence.strip():
                statements.append((language, sentence.strip()))
    return statements


def time_per_statement(statements: list[tuple[str, str]], repeat: int) -> float:
    for language, text in statements:  # warm the per-language tables and caches
        extract_quantities(text, language)
    started = time.perf_counter()
    for _ in range(repeat):
        for language, text in statements:
            extract_quantities(text, language)
    return (time.perf_counter() - started) / (repeat * len(statements))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phrases", type=Path, default=PHRASES)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()

    cases = load_cases(args.phrases)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    errors = []
    for case in cases:
        verdict = judge(case, extract_quantities(case.text, case.language))
        totals[case.language][0] += 1
        totals[case.language][1] += not verdict
        if verdict:
            errors.append(f"[{case.language}] {case.text}: {verdict}")

    print("| language | phrases | exact | accuracy |")
    print("|---|---:|---:|---:|")
    for language, (count, right) in sorted(totals.items()):
        print(f"| {language} | {count} | {right} | {right / count:.1%} |")
    count = sum(c for c, _ in totals.values())
    right = sum(r for _, r in totals.values())
    print(f"| **all** | {count} | {right} | {right / count:.1%} |")

    phrase_statements = [(case.language, case.text) for case in cases]
    samples = sample_statements()
    print()
    print("| statements | count | mean time per statement |")
    print("|---|---:|---:|")
    for name, statements in (("phrase table", phrase_statements), ("data/samples sentences", samples)):
        seconds = time_per_statement(statements, args.repeat)
        print(f"| {name} | {len(statements)} | {seconds * 1e6:.0f} µs |")
    if args.show_errors and errors:
        print()
        print("\n".join(errors))


if __name__ == "__main__":
    main()
