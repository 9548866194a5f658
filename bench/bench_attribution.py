"""Novel quote attribution on PDNC: accuracy, kept-line precision, the confidence table, and the
leave-one-novel-out (LONO) estimate of kept precision on novels the table was not fitted on, for
all speakers and for the target (each novel's main speaker: the lines `prepare dialogue` would keep).

    python -m bench attribution            score, print, save bench/results/attribution.json
    python -m bench.bench_attribution --write-table   also refit the turn scorer's weights (characterkit/data/turn_taking_weights.json), then characterkit/data/attribution_confidence.json

The confidence of each attribution is the precision its key (rule, detail, kind of cast) measured
on PDNC (see characterkit/parse/novel/calibrate.py). Kept precision measured with a table fitted on
the same novels flatters it; LONO fits the table on 11 novels and scores the 12th, for each novel
in turn, which estimates what the cut-off means on a novel nobody tuned on. Speed is quotes per
CPU second, with a baseline in the same run (finding the quotes only), median of the turns.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter

from bench.common import CORPORA, save
from characterkit.parse.novel.calibrate import TABLE, fit
from characterkit.parse.novel.eval import SETTINGS, _novel_folders, load_pdnc_novel, quote_of, score_novel
from characterkit.parse.novel.quotes import find_quotes, split_paragraphs
from characterkit.parse.novel.turn_scorer import FEATURES, WEIGHTS as TURN_WEIGHTS, fit as fit_turns, load_weights
from characterkit.records import DEFAULT_MIN_CONFIDENCE

PDNC = CORPORA / "pdnc"


def kept_counts(records, table, cut: float) -> Counter:
    """Kept lines and how many are right (all speakers, and the target's) when `table` gives the confidences."""
    from characterkit.parse.novel.calibrate import confidence

    c = Counter()
    seen = set()
    for key, kind, right, _qtype, is_target, _conf, index, to_target in records:
        c["gold"] += 1
        c["gold_target"] += is_target
        sure = key != "unattributed" and confidence(key, kind, 0.0, table) >= cut
        if to_target and sure:  # the target's lines per gold quote, as score_novel counts them
            c["kept_target"] += 1
            c["kept_target_right"] += is_target
        if sure and index not in seen:  # a quotation we joined is judged by its first gold quote
            seen.add(index)
            c["kept"] += 1
            c["kept_right"] += right
    return c


def lono(rows, cut: float) -> dict:
    """Fit on every novel but one, score the one; pooled over the novels, per setting."""
    out = {}
    for setting in SETTINGS:
        mine = [r for r in rows if r["setting"] == setting]
        pooled = []
        for held in mine:
            table = fit([rec[:3] for r in rows if r["novel"] != held["novel"] for rec in r["records"]])
            pooled.extend((held["records"], table))
        c = Counter()
        for records, table in zip(pooled[::2], pooled[1::2]):
            c.update(kept_counts(records, table, cut))  # pooled counts: every quote weighs the same
        out[setting] = {"kept_precision": round(c["kept_right"] / c["kept"], 3) if c["kept"] else None,
                        "kept_coverage": round(c["kept_right"] / c["gold"], 3),
                        "target_precision": round(c["kept_target_right"] / c["kept_target"], 3) if c["kept_target"] else None,
                        "target_coverage": round(c["kept_target_right"] / c["gold_target"], 3)}
    return out


def turn_examples(folders) -> list[tuple[list[dict], int]]:
    """(candidates' features, index of the true speaker or -1) for every turn the scorer chose for,
    cast given: what turn_scorer.fit learns from."""
    from characterkit.parse.novel.book import analyse

    examples = []
    for folder in folders:
        text, gold, cast = load_pdnc_novel(folder)
        record: list = []
        spoken, _ = analyse(text, cast, record=record)
        starts = [s.quote.start for s in spoken]
        speaker_of = {}
        for g in gold:
            speaker_of.setdefault(quote_of(g, spoken, starts), g.speaker)
        for first, options in record:
            if first in speaker_of and options:
                names = [who.name for who, _ in options]
                right = names.index(speaker_of[first]) if speaker_of[first] in names else -1
                examples.append(([f for _, f in options], right))
    return examples


def speed(folders) -> dict:
    """Quotes per CPU second of the whole attribution, against finding the quotes alone (baseline)."""
    from characterkit.parse.novel.book import analyse

    texts = [load_pdnc_novel(f) for f in folders]
    ratios, rates = [], []
    for _ in range(3):  # taking turns with the baseline, median of the turns
        start = time.process_time()
        n = sum(len(find_quotes(t, split_paragraphs(t))) for t, _, _ in texts)
        base = time.process_time() - start
        start = time.process_time()
        for t, _, cast in texts:
            analyse(t, cast)
        full = time.process_time() - start
        rates.append(n / full)
        ratios.append(base / full)
    return {"quotes_per_s": round(statistics.median(rates)), "vs_finding_quotes": round(statistics.median(ratios), 3)}


def main(argv: list[str]) -> None:
    if not PDNC.is_dir():
        print(f"skipped: {PDNC} not found")
        return
    folders = _novel_folders(PDNC, None)
    if "--write-table" in argv:  # the turn scorer's weights first: the confidences are measured with them
        TURN_WEIGHTS.write_text(json.dumps({"fitted_on": "PDNC dev novels (12), cast given", "features": list(FEATURES),
                                            "weights": fit_turns(turn_examples(folders))}, indent=1) + "\n", encoding="utf-8")
        load_weights.cache_clear()
        print(f"wrote {TURN_WEIGHTS}")
    rows = [score_novel(f, s, DEFAULT_MIN_CONFIDENCE) for s in SETTINGS for f in folders]
    records = [rec[:3] for r in rows for rec in r["records"]]
    if "--write-table" in argv:
        TABLE.write_text(json.dumps({"fitted_on": "PDNC dev novels (12), both cast settings", "cells": fit(records)},
                                    indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {TABLE}")
    result = {"min_confidence": DEFAULT_MIN_CONFIDENCE, "settings": {}}
    for setting in SETTINGS:
        mine = [r for r in rows if r["setting"] == setting]
        total = Counter()
        for r in mine:
            total.update({k: v for k, v in r.items() if isinstance(v, int)})
        g = total["gold"]
        result["settings"][setting] = {
            "accuracy": round(total["right"] / g, 3),
            **{k: round(total[f"right_{k}"] / total[f"gold_{k}"], 3) for k in ("explicit", "anaphoric", "implicit")},
            "kept_precision": round(total["kept_right"] / max(1, total["kept"]), 3),
            "kept_coverage": round(total["kept_right"] / g, 3),
            "target_precision": round(total["kept_target_right"] / max(1, total["kept_target"]), 3),
            "target_coverage": round(total["kept_target_right"] / max(1, total["gold_target"]), 3),
        }
    result["lono"] = lono(rows, DEFAULT_MIN_CONFIDENCE)
    if "--no-speed" not in argv:
        result["speed"] = speed(folders)
    print(json.dumps(result, indent=1))
    save("attribution", result)


if __name__ == "__main__":
    main(sys.argv[1:])
