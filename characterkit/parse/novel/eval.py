"""Scoring quotation attribution against PDNC (the Project Dialogism Novel Corpus).

    evaluate_attribution(pdnc_dir, novels=None, min_confidence=None, settings=None) -> report dict
    format_report(report) -> str

PDNC's annotations carry no licence: they are read from where they lie (../shared/corpora/pdnc)
at evaluation time and never copied. Each novel folder holds `novel_text.txt`,
`quotation_info.csv` (gold spans, speaker, quote type) and `character_info.csv` (aliases).

Scoring is end to end: a gold quote counts as right when the quotation we found at its first
span's start has the gold speaker. Two settings: the cast given (PDNC's character list) and the
cast discovered from the text, whose characters are matched to PDNC's through shared aliases
(never through the gold speakers of the quotes). Kept lines are those at or above
`min_confidence`; their precision is what a training set built from them would get right.
"""

from __future__ import annotations

import ast
import bisect
import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from characterkit.errors import UserError
from characterkit.parse.novel.book import DEFAULT_MIN_CONFIDENCE, analyse
from characterkit.parse.novel.cast import Cast, Character, join_lone_names

KINDS = ("explicit", "anaphoric", "implicit")
SETTINGS = ("given", "discovered")


@dataclass
class GoldQuote:
    start: int  # the first sub-quotation's start
    speaker: str
    kind: str  # 'explicit', 'anaphoric', 'implicit' or '' when PDNC leaves it blank


def load_pdnc_novel(folder: Path) -> tuple[str, list[GoldQuote], Cast]:
    """The novel's text, its gold quotes in text order, and PDNC's cast as a Cast."""
    text = (folder / "novel_text.txt").read_text(encoding="utf-8")
    gold = []
    with open(folder / "quotation_info.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            spans = ast.literal_eval(row["quoteByteSpans"])
            kind = row["quoteType"].strip().lower()
            gold.append(GoldQuote(spans[0][0], row["speaker"], kind if kind in KINDS else ""))
    characters = []
    with open(folder / "character_info.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            aliases = sorted(ast.literal_eval(row["Aliases"]))
            gender = row.get("Gender", "").strip() if row.get("Gender", "").strip() in ("M", "F") else ""
            characters.append(Character(row["Main Name"], aliases, gender))
    cast = Cast(characters, origin=str(folder / "character_info.csv"))
    main_names = set(cast.names())
    for g in gold:  # a few speakers are given by an alias ('Dorian Gray' for 'Prince Charming')
        if g.speaker not in main_names and cast.get(g.speaker):
            g.speaker = cast.get(g.speaker).name
    return text, sorted(gold, key=lambda g: g.start), cast


def map_to_gold(ours: Cast, gold: Cast) -> dict[str, str]:
    """Our character's name -> PDNC main name, by the first of our aliases that names one PDNC character."""
    mapping = {}
    for character in ours:
        for alias in character.aliases:  # most frequent spelling first
            owners = gold.resolve(alias)
            if len(owners) == 1:
                mapping[character.name] = owners[0].name
                break
    return mapping


def quote_of(g, spoken: list, starts: list[int]) -> int:
    """The index in `spoken` (analyse's quotations; `starts` their start offsets) of the quotation
    that holds gold quote `g` (its start inside one of the spans, 2 characters of slack), or -1."""
    i = bisect.bisect_right(starts, g.start + 2) - 1
    return i if i >= 0 and any(s - 2 <= g.start <= e for s, e in spoken[i].quote.spans) else -1


def score_novel(folder: Path, setting: str, min_confidence: float) -> dict:
    """Counts for one novel in one setting (see `evaluate_attribution` for the figures)."""
    text, gold, gold_cast = load_pdnc_novel(folder)
    spoken, cast = analyse(text, gold_cast if setting == "given" else None)
    # PDNC lists some people twice, once by a bare surname nobody's lines are given to ('Childers' and 'Mr.
    # E. W. B. Childers'): our 'Mr. Childers' is mapped as a given cast reads, with the lone name joined
    mapping = {c.name: c.name for c in gold_cast} if setting == "given" else map_to_gold(cast, join_lone_names(gold_cast))
    starts = [s.quote.start for s in spoken]
    target = Counter(g.speaker for g in gold).most_common(1)[0][0]
    counts = Counter()
    records = []  # (key, cast kind, right, quote type, gold is target, confidence, our quote index, given to target)
    judged = set()
    for g in gold:
        i = quote_of(g, spoken, starts)
        found = i >= 0
        predicted = mapping.get(spoken[i].speaker) if found and spoken[i].speaker else None
        right = predicted == g.speaker
        key = spoken[i].key if found and spoken[i].speaker else "unattributed"
        records.append((key, "given" if setting == "given" else "discovered", right, g.kind, g.speaker == target,
                        spoken[i].confidence if found and spoken[i].speaker else 0.0, i if found else -1, predicted == target))
        if not right:
            counts[f"error_{error_class(g.kind, key, predicted)}"] += 1
        counts["gold"] += 1
        counts["found"] += found
        counts["right"] += right
        counts[f"gold_{g.kind}"] += 1
        counts[f"right_{g.kind}"] += right
        if found and i not in judged:  # a quotation we joined is judged by its first gold quote
            judged.add(i)
            if spoken[i].speaker is not None and spoken[i].confidence >= min_confidence:
                counts["kept"] += 1
                counts["kept_right"] += right
        # the target's kept lines per gold quote: a quotation we joined keeps every line in it, each
        # judged on its own (a joined line of someone else's is a wrong one)
        if predicted == target and spoken[i].confidence >= min_confidence:
            counts["kept_target"] += 1
            counts["kept_target_right"] += g.speaker == target
        counts["gold_target"] += g.speaker == target
    return {"novel": folder.name, "setting": setting, "target": target, "cast": len(cast), **counts, "records": records}


ERROR_CLASSES = ("implicit", "anaphoric", "no-speaker", "narrator", "explicit-wrong")


def error_class(kind: str, key: str, predicted) -> str:
    """Which class a wrong attribution falls in (the classes of issue 13's error shares)."""
    if predicted is None:
        return "no-speaker"
    if key.startswith("narrator"):
        return "narrator"
    if kind == "explicit":
        return "explicit-wrong"
    return "anaphoric" if kind == "anaphoric" else "implicit"


def evaluate_attribution(pdnc_dir: str | Path, novels: list[str] | None = None, min_confidence: float | None = None,
                         settings: list[str] | None = None) -> dict:
    """Per-novel and overall figures for each setting ('given', 'discovered'; default both):
    accuracy (all, and per quote type), detection, and precision/coverage of the lines kept at
    `min_confidence` (default DEFAULT_MIN_CONFIDENCE), for all speakers and for each novel's main
    speaker as the target."""
    min_confidence = DEFAULT_MIN_CONFIDENCE if min_confidence is None else min_confidence
    if not 0.0 <= min_confidence <= 1.0:
        raise UserError(f"--min-confidence must be in [0, 1] (got {min_confidence})")
    settings = list(settings or SETTINGS)
    folders = _novel_folders(Path(pdnc_dir), novels)
    rows = [score_novel(folder, setting, min_confidence) for setting in settings for folder in folders]
    report = {"min_confidence": min_confidence, "novels": [_figures(r) for r in rows], "overall": {}}
    for setting in settings:
        total = Counter()
        for r in rows:
            if r["setting"] == setting:
                total.update({k: v for k, v in r.items() if isinstance(v, int)})
        report["overall"][setting] = _figures({"novel": "overall", "setting": setting, **total})
        records = [rec for r in rows if r["setting"] == setting for rec in r["records"]]
        report.setdefault("rules", {})[setting] = rule_precision(records)
        wrong = sum(total[f"error_{c}"] for c in ERROR_CLASSES)
        report.setdefault("errors", {})[setting] = {c: {"quotes": total[f"error_{c}"], "share": _ratio(total[f"error_{c}"], wrong)}
                                                    for c in ERROR_CLASSES}
    return report


def rule_precision(records) -> dict:
    """{rule: {quotes, precision}} over the gold quotes each rule decided (records of score_novel)."""
    counts: dict[str, Counter] = {}
    for key, _kind, right, *_ in records:
        cell = counts.setdefault(key.partition(":")[0], Counter())
        cell["n"] += 1
        cell["right"] += right
    return {rule: {"quotes": c["n"], "precision": _ratio(c["right"], c["n"])}
            for rule, c in sorted(counts.items(), key=lambda kv: -kv[1]["n"])}


def _novel_folders(root: Path, novels: list[str] | None) -> list[Path]:
    if not root.is_dir():
        raise UserError("PDNC folder not found (expected novel folders with quotation_info.csv)", path=root)
    available = sorted(p for p in root.iterdir() if (p / "quotation_info.csv").is_file())
    if not available:
        raise UserError("no PDNC novels here (folders with novel_text.txt and quotation_info.csv)", path=root)
    if not novels:
        return available
    by_name = {p.name.lower(): p for p in available}
    missing = [n for n in novels if n.lower() not in by_name]
    if missing:
        raise UserError(f"unknown novel {missing[0]!r}; available: {', '.join(p.name for p in available)}", path=root)
    return [by_name[n.lower()] for n in novels]


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def _figures(r: dict) -> dict:
    figures = {
        "novel": r["novel"],
        "setting": r["setting"],
        "quotes": r.get("gold", 0),
        "detected": _ratio(r.get("found", 0), r.get("gold", 0)),
        "accuracy": _ratio(r.get("right", 0), r.get("gold", 0)),
    }
    for kind in KINDS:
        figures[kind] = _ratio(r.get(f"right_{kind}", 0), r.get(f"gold_{kind}", 0))
    figures["kept_precision"] = _ratio(r.get("kept_right", 0), r.get("kept", 0))
    figures["kept_coverage"] = _ratio(r.get("kept_right", 0), r.get("gold", 0))
    figures["target_precision"] = _ratio(r.get("kept_target_right", 0), r.get("kept_target", 0))
    figures["target_coverage"] = _ratio(r.get("kept_target_right", 0), r.get("gold_target", 0))
    if "target" in r:
        figures["target"] = r["target"]
    return figures


def format_report(report: dict) -> str:
    """A plain table: one row per novel and setting, then the overall rows."""
    columns = ["quotes", "detected", "accuracy", *KINDS, "kept_precision", "kept_coverage", "target_precision", "target_coverage"]
    header = f"{'novel':28} {'cast':10} " + " ".join(f"{c[:11]:>11}" for c in columns)
    lines = [header]
    rows = report["novels"] + list(report["overall"].values())
    for row in rows:
        cells = " ".join(f"{_cell(row[c]):>11}" for c in columns)
        lines.append(f"{row['novel'][:28]:28} {row['setting']:10} {cells}")
    lines.append(f"kept = attributed with confidence >= {report['min_confidence']}; target = each novel's main speaker")
    for setting, rules in report.get("rules", {}).items():
        cells = ", ".join(f"{rule} {r['precision']:.3f} ({r['quotes']})" for rule, r in rules.items() if r["precision"] is not None)
        lines.append(f"precision by rule, cast {setting}: {cells}")
        errors = report["errors"][setting]
        lines.append(f"errors by class, cast {setting}: " + ", ".join(
            f"{c} {e['quotes']} ({_cell(e['share'])})" for c, e in errors.items()))
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return "-"
    return str(value) if isinstance(value, int) else f"{value:.3f}"
