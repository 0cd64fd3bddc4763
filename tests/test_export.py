"""Evidence tables written in slices: the same rows whatever the slice size."""

from __future__ import annotations

import json

import pandas as pd

from workbench import export


def test_jsonl_written_in_slices_keeps_every_row(tmp_path, monkeypatch) -> None:
    frame = pd.DataFrame({"n": range(7), "text": ["a\nb", "é «q»", None, "", "x", "y", "z"]})
    monkeypatch.setattr(export, "JSONL_ROWS_PER_WRITE", 3)  # 7 rows: three slices, the last one short
    export.write_table(frame, tmp_path / "t.jsonl")
    lines = (tmp_path / "t.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == json.loads(frame.to_json(orient="records", force_ascii=False))
