"""Helpers shared by the benchmarks: where results go, peak memory of a child process, corpora."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
CORPORA = REPO.parent / "shared" / "corpora"

# Run in a child: prints {"seconds": wall time of the call, "cpu_seconds": its CPU time (what a
# shared, loaded machine does not inflate), "peak_rss_mb": the child's peak RSS}.
_CHILD = """
import json, resource, sys, time, importlib
module, func, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
fn = getattr(importlib.import_module(module), func)
start, cpu_start = time.perf_counter(), time.process_time()
extra = fn(**args)
seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "extra": extra}))
"""


def run_in_child(module: str, func: str, **kwargs) -> dict:
    """Call module.func(**kwargs) in a fresh Python process; return its time, peak RSS and result."""
    out = subprocess.run([sys.executable, "-c", _CHILD, module, func, json.dumps(kwargs)], cwd=REPO,
                         capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{module}.{func} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def save(name: str, result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"benchmark": name, "when": time.strftime("%Y-%m-%d %H:%M:%S"), **result}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path


def median_run(runs: list[dict], rate: str) -> dict:
    """The run with the median `rate`, with every run's rate (`{rate}_all_runs`, the spread) and the
    highest peak_rss_mb of them all (memory is judged by its worst run)."""
    median = sorted(runs, key=lambda r: r[rate])[len(runs) // 2]
    return {**median, f"{rate}_all_runs": [round(r[rate], 1) for r in runs],
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)}


class CountingCollator:
    """Wraps a collator and counts what it hands to the model: non-pad tokens (`tokens`), tokens that
    carry loss (`trained`, labels other than -100) and the sum of squared sample lengths (for the
    attention FLOPs)."""

    def __init__(self, collator):
        self.collator = collator
        self.tokens = self.trained = self.squares = 0

    def __call__(self, features):
        batch = self.collator(features)
        mask = batch.get("attention_mask")
        lengths = mask.sum(dim=1).tolist() if mask is not None and mask.dim() == 2 else [batch["input_ids"].numel()]
        self.tokens += int(sum(lengths))
        self.squares += int(sum(n * n for n in lengths))
        if "labels" in batch:
            self.trained += int((batch["labels"][:, 1:] != -100).sum())
        return batch


def legacy_features(rows: list[dict], tokenizer, cutoff: int) -> list[dict]:
    """lora_finetune.py's tokenisation: context + reply, last cutoff-1 tokens, BOS, right-padded."""
    features = []
    for row in rows:
        ids = tokenizer(row["input"] + row["output"], add_special_tokens=False)["input_ids"][-(cutoff - 1):]
        ids = [tokenizer.bos_token_id, *ids]
        pad = cutoff - len(ids)
        features.append({"input_ids": ids + [tokenizer.pad_token_id] * pad, "attention_mask": [1] * len(ids) + [0] * pad})
    return features


def engines_by_precision(model_folder: Path, character, **engine_options) -> dict:
    """{"fp32": ChatEngine, <the precision chat picks here>: ChatEngine}: the baseline and chat's own
    (one engine when they are the same), sharing one tokenizer, for benches that let them take turns."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from characterkit.chat.engine import ChatEngine
    from characterkit.chat.load import chat_dtype

    tokenizer = AutoTokenizer.from_pretrained(model_folder)
    dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16}
    return {name: ChatEngine(AutoModelForCausalLM.from_pretrained(model_folder, dtype=dtypes[name]).eval(), tokenizer,
                             character, prompt_format="chat-template", **engine_options)
            for name in dict.fromkeys(["fp32", chat_dtype()[0]])}
