"""finetune on one character of Tiny Shakespeare, the legacy recipe against ours, in one run.

    python -m bench finetune          (BENCH_FINETUNE_STEPS=20 BENCH_FINETUNE_REPEATS=1 for a quicker run)

Same tiny model, same prepared dataset (`prepare dialogue --name ROMEO`), same Trainer, batch size,
steps and LoRA; only the way samples become batches differs:

    legacy    processed_dataset.json tokenised as lora_finetune.py did (keep the last cutoff-1
              tokens, BOS, right-pad to the cutoff 256), labels rebuilt from the inputs by
              DataCollatorForLanguageModeling (so the context is trained too)
    dynamic   ours (the default): samples.jsonl, reply-only labels, batches of similar lengths,
              each padded to its longest sample, logits only where a label is (train/loss.py)
    packing   ours with --packing: the batch laid end to end in one row, no padding at all

Two datasets, because the gain is the padding the legacy recipe wastes, which depends on how much
shorter than the cutoff the samples are: `--rounds 5` (prepare's default; five Shakespeare speeches
often overflow 256 tokens) and `--rounds 1` (one speech of context, about what the legacy
prepare_dataset.py's five raw lines held on this file: a speech is 3.7 lines with its tag).

Reported per contender: non-pad tokens through the model per second of wall time and per second of
CPU time (the machine may be shared: CPU time is what contention does not inflate), peak RSS of its
own process (and peak CUDA memory on a GPU), and the ratios against legacy. Each contender trains
BENCH_FINETUNE_REPEATS times (default 3), the contenders taking turns, and the median run counts:
on a shared machine one run of the same recipe can be 20% slower than the next, even in CPU time.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from bench.common import CORPORA, RESULTS, CountingCollator, legacy_features, median_run, run_in_child, save

CHARACTER = "ROMEO"
CUTOFF = 256
MICRO_BATCH = 4
GRAD_ACCUM = 2  # the legacy script's
ROUNDS = (5, 1)


def prepare(home: Path) -> None:
    """The datasets (characterkit prepare) and a tiny model whose tokenizer learned Shakespeare."""
    from characterkit.config import DialogueSettings
    from characterkit.prepare import prepare_dialogue
    from characterkit.train.tiny import make_tiny_model

    source = CORPORA / "tinyshakespeare" / "input.txt"
    if not source.is_file():
        sys.exit(f"bench finetune needs {source} (the shared corpora)")
    os.environ["CHARACTERKIT_HOME"] = str(home)
    for rounds in ROUNDS:  # samples.jsonl is always written; processed_dataset.json is the legacy input
        prepare_dialogue(DialogueSettings(sources=[str(source)], names=[CHARACTER], rounds=rounds, val_ratio=0.0,
                                          formats=["processed_dataset"], dataset=f"{CHARACTER}-rounds{rounds}"))
    make_tiny_model(home / "models" / "tiny", arch="llama", texts=[source.read_text(encoding="utf-8")],
                    vocab_size=2048, hidden=128, layers=4)


def run(recipe: str, home: str, dataset: str, steps: int) -> dict:
    """Train `steps` optimizer steps with one recipe; return tokens, wall and CPU seconds, peak CUDA memory."""
    import json
    import time

    import torch
    from transformers import DataCollatorForLanguageModeling

    from characterkit.train.config import FinetuneSettings
    from characterkit.train.finetune import build_trainer, plan_run

    os.environ["CHARACTERKIT_HOME"] = home
    settings = FinetuneSettings(model="tiny", data=dataset, lora_name=f"bench-{recipe}", cutoff=CUTOFF,
                                micro_batch_size=MICRO_BATCH, grad_accum=GRAD_ACCUM, max_steps=steps,
                                save_steps=0, logging_steps=steps, packing=recipe == "packing", overwrite=True,
                                memory=False)  # the rows legacy trains on: recalled lines would lengthen ours
    plan = plan_run(settings)
    if recipe == "legacy":
        rows = json.loads((Path(home) / "datasets" / dataset / "processed_dataset.json").read_text(encoding="utf-8"))
        plan.train_set = legacy_features(rows, plan.tokenizer, CUTOFF)
        plan.settings.group_by_length = False  # every legacy sample has the same (padded) length
    trainer = build_trainer(plan)
    collator = trainer.data_collator
    if recipe == "legacy":  # the model's own loss over every position's logits, as lora_finetune.py trained
        collator, trainer.compute_loss_func = DataCollatorForLanguageModeling(plan.tokenizer, mlm=False), None
    trainer.data_collator = counting = CountingCollator(collator)
    wall, cpu = time.perf_counter(), time.process_time()
    trainer.train()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_cuda = torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None
    return {"tokens": counting.tokens, "wall_seconds": wall, "cpu_seconds": cpu, "samples": len(plan.train_set),
            "peak_cuda_mb": peak_cuda}


def main() -> None:
    steps = int(os.environ.get("BENCH_FINETUNE_STEPS", "40"))
    repeats = int(os.environ.get("BENCH_FINETUNE_REPEATS", "3"))
    home = RESULTS / "finetune-home"
    shutil.rmtree(home, ignore_errors=True)
    run_in_child("bench.bench_finetune", "prepare_in_child", home=str(home))
    results = {}
    for rounds in ROUNDS:
        dataset = f"{CHARACTER}-rounds{rounds}"
        runs = {recipe: [] for recipe in ("legacy", "dynamic", "packing")}
        for _ in range(repeats):  # taking turns: a slow spell of the machine hits every recipe alike
            for recipe, done in runs.items():
                r = run_in_child("bench.bench_finetune", "run", recipe=recipe, home=str(home), dataset=dataset,
                                 steps=steps)
                extra = r["extra"]
                done.append({"tokens_per_s": extra["tokens"] / extra["wall_seconds"],
                             "tokens_per_cpu_s": extra["tokens"] / extra["cpu_seconds"],
                             "peak_rss_mb": r["peak_rss_mb"], **extra})
        rows = {recipe: median_run(done, "tokens_per_s") for recipe, done in runs.items()}
        for r in rows.values():
            for key in ("tokens_per_s", "tokens_per_cpu_s", "peak_rss_mb"):
                r[f"{key}_vs_legacy"] = r[key] / rows["legacy"][key]
        results[dataset] = rows
        print_table(dataset, steps, rows)
    shutil.rmtree(home, ignore_errors=True)
    save("finetune", {"steps": steps, "repeats": repeats, "cutoff": CUTOFF, "batch": MICRO_BATCH * GRAD_ACCUM,
                      "results": results})


def print_table(dataset: str, steps: int, rows: dict) -> None:
    print(f"{dataset}: {rows['legacy']['samples']} samples, {steps} steps x {MICRO_BATCH * GRAD_ACCUM} samples, "
          f"cutoff {CUTOFF}")
    print(f"  {'recipe':8} {'tokens/s':>9} {'tokens/cpu-s':>13} {'peak MB':>8}   speed vs legacy (wall, cpu)   memory")
    for name, r in rows.items():
        print(f"  {name:8} {r['tokens_per_s']:9.0f} {r['tokens_per_cpu_s']:13.0f} {r['peak_rss_mb']:8.0f}   "
              f"{r['tokens_per_s_vs_legacy']:10.2f}x {r['tokens_per_cpu_s_vs_legacy']:6.2f}x"
              f"{r['peak_rss_mb_vs_legacy']:18.2f}x   runs: {r['tokens_per_s_all_runs']}")


def prepare_in_child(home: str) -> None:
    prepare(Path(home))


if __name__ == "__main__":
    main()
