"""prepare dialogue on ~100 MB of Tiny Shakespeare, next to the legacy algorithm on the same file.

    python -m bench prepare          (BENCH_PREPARE_MB=20 BENCH_PREPARE_REPEATS=1 for a quicker run)

The input is Tiny Shakespeare repeated to the target size; each copy's speeches get a copy number so
the copies are distinct samples (otherwise deduplication would hide the cost of the exports). Each
contender runs in its own process so its peak memory is its own. The legacy contender is the
algorithm of the original prepare_dataset.py (read every line, keep a running list, emit JSON),
re-implemented here; it reads `Name:` lines only, so on this play-format file it finds each
character's tag lines: a throughput baseline, not a quality one.

The legacy algorithm and `--name` run BENCH_PREPARE_REPEATS times each (default 3), taking turns,
and the median run counts (on a shared machine one run can be 20% slower than the next);
`--all-speakers`, which writes 5.7 GB and takes a minute, runs once.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from bench.common import CORPORA, RESULTS, median_run, run_in_child, save

CHARACTER = "ROMEO"


def make_input(target_mb: int) -> Path:
    source = CORPORA / "tinyshakespeare" / "input.txt"
    if not source.is_file():
        sys.exit(f"bench prepare needs {source} (the shared corpora)")
    out = RESULTS / f"tinyshakespeare-{target_mb}mb.txt"
    if out.is_file():
        return out
    text = source.read_text(encoding="utf-8")
    lines = text.splitlines()
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        copy = 0
        while f.tell() < target_mb * 1_000_000:
            copy += 1
            for line in lines:  # speech lines (not tags, not blanks) get the copy number
                f.write(line if not line or line.endswith(":") else f"{line} {copy}")
                f.write("\n")
            f.write("\n")
    return out


def run_ours(path: str, out: str, all_speakers: bool) -> dict:
    from characterkit.config import DialogueSettings
    from characterkit.prepare import prepare_dialogue

    settings = DialogueSettings(sources=[path], names=[] if all_speakers else [CHARACTER],
                                all_speakers=all_speakers, output_dir=out)
    report = prepare_dialogue(settings)
    return {"samples": report["samples"]["total"], "drops": report["drops"]}


def run_legacy(path: str, out: str, name: str = CHARACTER, rounds: int = 5) -> dict:
    """The original algorithm, faithfully (including reading the whole file into a list)."""
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    history: list[str] = []
    data = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if line.startswith(name + ":"):
            context = "".join(h + "\n" for h in history[-rounds:])
            if len(history) < rounds + 1:
                context += name + ":"
            data.append({"input": context, "output": line.lstrip(name + ":").strip()})
        history.append(line)
    Path(out).mkdir(parents=True, exist_ok=True)
    with open(Path(out) / "processed_dataset.json", "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    return {"samples": len(data)}


def main() -> None:
    target_mb = int(os.environ.get("BENCH_PREPARE_MB", "100"))
    path = make_input(target_mb)
    size_mb = path.stat().st_size / 1e6
    out = RESULTS / "prepare-out"
    repeats = int(os.environ.get("BENCH_PREPARE_REPEATS", "3"))
    contenders = [
        ("legacy algorithm", "run_legacy", {}, repeats),
        (f"characterkit --name {CHARACTER}, all exports", "run_ours", {"all_speakers": False}, repeats),
        ("characterkit --all-speakers, all exports", "run_ours", {"all_speakers": True}, 1),
    ]
    runs = {label: [] for label, *_ in contenders}
    for turn in range(repeats):
        for label, func, kwargs, times in contenders:
            if turn >= times:
                continue
            shutil.rmtree(out, ignore_errors=True)
            r = run_in_child("bench.bench_prepare", func, path=str(path), out=str(out), **kwargs)
            runs[label].append({"mb_per_s": size_mb / r["seconds"], "mb_per_cpu_s": size_mb / r["cpu_seconds"],
                                "peak_rss_mb": r["peak_rss_mb"], "seconds": r["seconds"], **r["extra"]})
    shutil.rmtree(out, ignore_errors=True)
    rows = {label: median_run(done, "mb_per_s") for label, done in runs.items()}
    legacy = rows["legacy algorithm"]
    print(f"input: {size_mb:.0f} MB ({path.name})")
    print(f"{'contender':45} {'MB/s':>7} {'MB/cpu-s':>8} {'peak MB':>8} {'samples':>8}  speed vs legacy  "
          "memory vs legacy  MB/s of each run")
    for label, r in rows.items():
        print(f"{label:45} {r['mb_per_s']:7.1f} {r['mb_per_cpu_s']:8.1f} {r['peak_rss_mb']:8.0f} {r['samples']:8d}  "
              f"{r['mb_per_s'] / legacy['mb_per_s']:14.2f}x  {r['peak_rss_mb'] / legacy['peak_rss_mb']:15.2f}x  "
              f"{r['mb_per_s_all_runs']}")
    save("prepare", {"input_mb": size_mb, "repeats": repeats, "results": rows})


if __name__ == "__main__":
    main()
