#!/usr/bin/env python3
"""Join the copied pieces of the NTREX-128 files into the line-aligned files this folder holds.

The pieces (``raw/<code>/part_<offset>.txt``, not committed) are consecutive 16,000-position
windows of each source file, copied with their line breaks as LF (the source's CRLF
counts two positions per line break, so each window holds 16,000 minus its line breaks
characters). They are joined, the last, cut-off line is dropped, and every language is cut
to the lines all four have, then to whole stories (DOCUMENT_IDS.tsv). Checks: windows are
consecutive, each adds up to 16,000 positions, and line by line the four versions carry
the same integers often enough that no line can have slipped.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CODES = ("bul", "ron", "ukr", "fra")
WINDOW = 16_000


def joined(code: str) -> list[str]:
    parts = sorted((HERE / "raw" / code).glob("part_*.txt"))
    text = ""
    for expected, part in enumerate(parts):
        offset = int(part.stem.split("_")[1])
        if offset != expected * WINDOW:
            sys.exit(f"{part}: expected the window at {expected * WINDOW}")
        piece = part.read_text(encoding="utf-8")
        piece = piece[:-1] if piece.endswith("\n") else piece  # the copy's own final newline
        # the translations have CRLF line ends (two positions each), DOCUMENT_IDS.tsv LF
        if WINDOW not in (len(piece) + piece.count("\n"), len(piece)) and part != parts[-1]:
            sys.exit(f"{part}: {len(piece)} characters + {piece.count(chr(10))} line breaks != {WINDOW}")
        text += piece
    return text.split("\n")[:-1]  # the last line is cut off by the window


def main() -> None:
    ids = joined("ids") if (HERE / "raw" / "ids").exists() else (HERE / "document_ids.txt").read_text().splitlines()
    lines = {code: joined(code) for code in CODES}
    usable = min(min(len(rows) for rows in lines.values()), len(ids))
    # whole stories only
    while usable < len(ids) and usable > 0 and ids[usable - 1] == ids[usable]:
        usable -= 1
    numbers = re.compile(r"\d+")
    agree = 0
    for n in range(usable):
        found = [set(numbers.findall(lines[code][n])) for code in CODES]
        if any(found) and all(f == found[0] for f in found):
            agree += 1
    for code in CODES:
        (HERE / f"{code}.txt").write_text("\n".join(lines[code][:usable]) + "\n", encoding="utf-8")
    (HERE / "document_ids.txt").write_text("\n".join(ids[:usable]) + "\n", encoding="utf-8")
    print(f"{usable} lines in {len(set(ids[:usable]))} stories; {agree} lines carry the same integers in all four")


if __name__ == "__main__":
    main()
