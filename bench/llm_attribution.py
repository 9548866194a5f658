"""The LLM second opinion on PDNC, end to end through a real backend, on a subset.

    python -m bench.llm_attribution --backend local --model /path/to/SmolLM2-135M-Instruct [--chars 40000]

Scores the first `--chars` characters of each dev novel (cast given) with the rules alone and with
`--use-llm`, and prints accuracy and kept-line precision/coverage for both: the model must never
lower kept precision (llm.py keeps its answers under the cut-off). Slow on a CPU: a subset only.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter

from bench.common import CORPORA, save
from characterkit.llm import LLMSettings, open_backend
from characterkit.parse.novel.book import analyse
from characterkit.parse.novel.eval import _novel_folders, load_pdnc_novel
from characterkit.records import DEFAULT_MIN_CONFIDENCE


def score(spoken, gold, upto: int) -> Counter:
    by_start = {s.quote.start: s for s in spoken}
    c = Counter()
    for g in gold:
        if g.start >= upto:
            break
        s = next((by_start[k] for k in (g.start, g.start - 1, g.start + 1, g.start - 2) if k in by_start), None)
        right = s is not None and s.speaker == g.speaker
        c["gold"] += 1
        c["right"] += right
        if s is not None and s.speaker and s.confidence >= DEFAULT_MIN_CONFIDENCE:
            c["kept"] += 1
            c["kept_right"] += right
    return c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="local")
    ap.add_argument("--model", required=True)
    ap.add_argument("--base-url", default=None)
    ap.add_argument("--chars", type=int, default=40000)
    ap.add_argument("--novel", action="append")
    args = ap.parse_args()
    settings = LLMSettings(backend=args.backend, model=args.model, **({"base_url": args.base_url} if args.base_url else {}))
    totals = {"rules": Counter(), "llm": Counter()}
    started = time.perf_counter()
    with open_backend(settings) as backend:
        for folder in _novel_folders(CORPORA / "pdnc", args.novel):
            text, gold, cast = load_pdnc_novel(folder)
            cut = text.rfind("\n\n", 0, args.chars)
            part = text[: cut if cut > 0 else args.chars]
            rules, _ = analyse(part, cast)
            with_llm, _ = analyse(part, cast, llm=backend, concurrency=settings.concurrency)
            totals["rules"] += score(rules, gold, len(part))
            totals["llm"] += score(with_llm, gold, len(part))
            print(folder.name, {k: dict(v) for k, v in totals.items()}, flush=True)
    r = lambda a, b: round(a / b, 3) if b else None
    result = {name: {"quotes": c["gold"], "accuracy": r(c["right"], c["gold"]), "kept_precision": r(c["kept_right"], c["kept"]),
                     "kept_coverage": r(c["kept_right"], c["gold"])} for name, c in totals.items()}
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["model"] = args.model
    print(json.dumps(result, indent=1))
    save("llm_attribution", result)


if __name__ == "__main__":
    main()
