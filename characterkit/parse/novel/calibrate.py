"""Confidence as measured precision: one figure per rule, per detail and per kind of cast.

    confidence(key, cast_kind, fallback) -> float      what analyse() gives each attribution
    fit(records) -> table                              the table, from scored quotes

A rule alone does not say how sure a guess is: turn-taking two turns from an anchor in a
three-voice scene is right far less often than one turn from it in a two-voice scene, and a
discovered cast makes every rule less sure. So each attribution carries a key (`rule:detail`,
see attribute.Attribution.key) and the confidence is the precision that key measured on PDNC,
for the kind of cast used ('given' when a cast file lists the characters, else 'discovered').
Small cells borrow from their parent (`turn-taking:agree-1-s2` from `turn-taking`) in
proportion to their size, so a rare detail cannot claim a precision it has not shown.

The table (characterkit/data/attribution_confidence.json) holds figures only, no text of any
novel; `python -m bench attribution` refits it and reports the leave-one-novel-out estimate.
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).resolve().parents[2] / "data" / "attribution_confidence.json"
PRIOR_WEIGHT = 20  # a cell of n quotes weighs n against this many of its parent's
MIN_CELL = 5  # cells smaller than this are not written: the parent speaks for them


@lru_cache(maxsize=1)
def load_table(path: str = str(TABLE)) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    except FileNotFoundError:
        return {}


def confidence(key: str, cast_kind: str, fallback: float, table: dict | None = None) -> float:
    """The measured precision of the most specific cell that has one; `fallback` when none."""
    table = load_table() if table is None else table
    for part in _parents(key):
        cell = table.get(f"{part}@{cast_kind}")
        if cell is not None:
            return cell
    return fallback


def _parents(key: str) -> list[str]:
    """'turn-taking:agree-1-s2' -> ['turn-taking:agree-1-s2', 'turn-taking:agree-1', 'turn-taking:agree', 'turn-taking']."""
    rule, _, detail = key.partition(":")
    parts = detail.split("-") if detail else []
    return [f"{rule}:{'-'.join(parts[:n])}" for n in range(len(parts), 0, -1)] + [rule]


def fit(records) -> dict:
    """{`key@cast_kind`: smoothed precision} from (key, cast_kind, right) triples."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, kind, right in records:
        for part in _parents(key):
            cell = counts[f"{part}@{kind}"]
            cell[0] += bool(right)
            cell[1] += 1
    table = {}
    for name in sorted(counts, key=lambda n: n.count("-") + (":" in n)):  # parents before children
        right, n = counts[name]
        key, _, kind = name.partition("@")
        parents = _parents(key)
        parent = table.get(f"{parents[1]}@{kind}") if len(parents) > 1 else None
        if n < MIN_CELL and parent is not None:
            continue
        prior = parent if parent is not None else 0.5
        table[name] = round((right + PRIOR_WEIGHT * prior) / (n + PRIOR_WEIGHT), 3)
    return table
