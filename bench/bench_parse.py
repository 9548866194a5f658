"""Parse speed: MB/s of `parse_lines` on Tiny Shakespeare (ownline) and the same speeches as inline.

The text is read once into memory so only parsing is timed (CPU time, best of several runs, since
the machine may be shared). A baseline in the same run, one regex match per line, gives a ratio
that means the same on a fast or a slow machine.
"""

from __future__ import annotations

import re
import time

from bench.common import CORPORA, save
from characterkit.parse import parse_lines
from characterkit.records import SPEECH

RUNS = 7


def _best_seconds(fn) -> float:
    best = float("inf")
    for _ in range(RUNS):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def _measure(name: str, lines: list[tuple[int, str]]) -> dict:
    size_mb = sum(len(text.encode()) + 1 for _, text in lines) / 1e6
    tag = re.compile(r"([^:]{1,48}):\s*(.*)")
    baseline = _best_seconds(lambda: [tag.match(text) for _, text in lines])
    parse = _best_seconds(lambda: sum(1 for _ in parse_lines(lines)))
    return {"input": name, "mb": round(size_mb, 2), "parse_mb_per_s": round(size_mb / parse, 1),
            "baseline_mb_per_s": round(size_mb / baseline, 1), "parse_vs_baseline": round(baseline / parse, 2)}


def main() -> None:
    path = CORPORA / "tinyshakespeare" / "input.txt"
    if not path.is_file():
        print(f"skipped: {path} not found")
        return
    ownline = list(enumerate(path.read_text(encoding="utf-8").splitlines(), 1))
    inline = [(n, f"{line.speaker}: {line.text}")
              for n, line in enumerate((x for x in parse_lines(ownline) if x.kind == SPEECH), 1)]
    results = [_measure("tinyshakespeare (ownline)", ownline), _measure("tinyshakespeare as inline", inline)]
    for r in results:
        print(f"{r['input']}: {r['parse_mb_per_s']} MB/s ({r['mb']} MB; one regex per line: "
              f"{r['baseline_mb_per_s']} MB/s, ratio {r['parse_vs_baseline']})")
    save("parse", {"results": results})


if __name__ == "__main__":
    main()
