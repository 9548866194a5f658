"""Which speaker classifier should `eval` score replies with? Real lines only: nothing generated is read.

    python -m bench classifier

For the main speakers (80 lines or more) of the plays in ../shared/corpora/plays, tinyshakespeare and
the PDNC novels (speakers from its gold attribution): 15% of each speaker's lines held out (seeded), the
classifier trained on the rest as `eval` trains it (the speaker against everyone else pooled), then

    R        share of the speaker's held-out lines attributed to him (eval's `reference`)
    F        share of the other speakers' held-out lines attributed to him (its `others_reference`)
    G        share of 400 lines from the *other* books attributed to him: text he never said, in no
             voice of his source (what a base model's reply is to it)
    auc_in   area under the ROC curve, his held-out lines against the others' (threshold-free)
    auc_gen  the same against the other books' lines

for the features `eval` uses (FEATURES) and alternatives, with each alternative's wins over the first
listed (the one `eval` used before, character n-grams inside word boundaries) per speaker.
"""

from __future__ import annotations

import csv
import random
import sys
import time
from collections import Counter, defaultdict

from bench.common import CORPORA, save

PLAYS = ["importance-of-being-earnest_pg844_2025-utf8.txt", "romeo-and-juliet_pg1513_modern-utf8.txt"]
MIN_LINES = 80
GENERIC = 400
VARIANTS = {  # name -> TfidfVectorizer settings over eval's FEATURES
    "char_wb 2-5 (before)": {"analyzer": "char_wb"},
    "char 2-5 (eval)": {},
    "char 1-5, case kept": {"ngram_range": (1, 5), "lowercase": False},
    "char 2-4": {"ngram_range": (2, 4)},
}


def sources() -> dict[str, list[tuple[str, str]]]:
    """(speaker, text) of every speech line, per source."""
    from characterkit.parse import parse_source
    from characterkit.records import SPEECH

    found = {}
    for path in [CORPORA / "plays" / name for name in PLAYS] + [CORPORA / "tinyshakespeare" / "input.txt"]:
        found[path.stem] = [(line.speaker, line.text) for line in parse_source(path)
                            if line.kind == SPEECH and line.speaker and line.text.strip()]
    for novel in sorted(p for p in (CORPORA / "pdnc").iterdir() if p.is_dir()):
        with open(novel / "quotation_info.csv", newline="", encoding="utf-8") as f:
            found[novel.name] = [(row["speaker"], " ".join(row["quoteText"].split())) for row in csv.DictReader(f)]
    return found


def held_out(lines: list[tuple[str, str]], seed: int = 0) -> tuple[list, list]:
    """15% of each speaker's lines held out, seeded."""
    rng, by_speaker, train, test = random.Random(seed), defaultdict(list), [], []
    for speaker, text in lines:
        by_speaker[speaker].append(text)
    for speaker, texts in by_speaker.items():
        texts = rng.sample(texts, len(texts))
        cut = round(0.15 * len(texts))
        test += [(speaker, t) for t in texts[:cut]]
        train += [(speaker, t) for t in texts[cut:]]
    return train, test


def score(classifier, mine: list[str], theirs: list[str], generic: list[str]) -> dict:
    from sklearn.metrics import roc_auc_score

    share = classifier.share
    p_mine, p_theirs, p_generic = (classifier.probability(t) for t in (mine, theirs, generic))
    auc = lambda negative: roc_auc_score([1] * len(p_mine) + [0] * len(negative), p_mine + negative)  # noqa: E731
    return {"R": share(mine), "F": share(theirs), "G": share(generic), "auc_in": auc(p_theirs), "auc_gen": auc(p_generic)}


def run() -> dict:
    from characterkit.train.classifier import FEATURES, SpeakerClassifier

    every = sources()
    rows = []
    for name, lines in every.items():
        counts = Counter(speaker for speaker, _ in lines)
        main = [s for s, n in counts.most_common(6 if name == "input" else 3) if n >= MIN_LINES]
        train, test = held_out(lines)
        generic = random.Random(1).sample([t for other, ls in every.items() if other != name for _, t in ls], GENERIC)
        for speaker in main:
            mine = [t for s, t in test if s == speaker]
            theirs = [t for s, t in test if s != speaker]
            for variant, change in VARIANTS.items():
                classifier = SpeakerClassifier.train(train, speaker, features={**FEATURES, **change})
                rows.append({"source": name, "speaker": speaker, "variant": variant, "held_out": len(mine),
                             **score(classifier, mine, theirs, generic)})
        print(f"{name}: {len(main)} speakers", file=sys.stderr, flush=True)
    return {"speakers": len(rows) // len(VARIANTS), "sources": len(every), "variants": summarise(rows), "rows": rows}


def summarise(rows: list[dict]) -> dict:
    baseline = next(iter(VARIANTS))
    by = defaultdict(dict)
    for row in rows:
        by[row["variant"]][(row["source"], row["speaker"])] = row
    summary = {}
    for variant, per_speaker in by.items():
        mean = {k: sum(r[k] for r in per_speaker.values()) / len(per_speaker) for k in ("R", "F", "G", "auc_in", "auc_gen")}
        wins = {f"{k}_wins_over_before": sum(per_speaker[key][k] > by[baseline][key][k] for key in per_speaker)
                for k in ("auc_in", "auc_gen")}
        summary[variant] = {**mean, "R_over_G": mean["R"] / mean["G"], **(wins if variant != baseline else {})}
    return summary


def main() -> None:
    if not (CORPORA / "pdnc").is_dir():
        sys.exit(f"bench classifier needs {CORPORA} (the shared corpora)")
    start = time.perf_counter()
    result = run()
    result["seconds"] = round(time.perf_counter() - start, 1)
    path = save("classifier", result)
    print(f"{result['speakers']} speakers in {result['sources']} sources")
    print(f"{'features':22} {'R':>6} {'F':>6} {'G':>6} {'R/G':>5} {'auc_in':>7} {'auc_gen':>7}  wins (in, gen)")
    for variant, s in result["variants"].items():
        wins = f"{s['auc_in_wins_over_before']}, {s['auc_gen_wins_over_before']}" if "auc_in_wins_over_before" in s else "-"
        print(f"{variant:22} {s['R']:6.3f} {s['F']:6.3f} {s['G']:6.3f} {s['R_over_G']:5.2f} {s['auc_in']:7.3f} "
              f"{s['auc_gen']:7.3f}  {wins}")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
