"""LoRA training of SmolLM2-135M-Instruct on Algernon, characterkit against TRL and the legacy recipe.

    python -m bench finetune_real     (BENCH_REAL_STEPS=20 BENCH_REAL_REPEATS=2 BENCH_THREADS=<physical cores>)

One prepared dataset (`prepare dialogue` of Algernon in The Importance of Being Earnest), one LoRA
for every recipe but characterkit-all-linear (r16, alpha 32, dropout 0.05, q_proj/v_proj), batch 4,
cutoff 256, learning rate 3e-4 linear, the same number of optimizer steps for every recipe:

    characterkit        `finetune` with its defaults (--precision auto: bf16 autocast on a CPU with
                        bf16 instructions, fp32 LoRA and optimizer)
    characterkit-fp32   the same in fp32 (what the default was before)
    characterkit-sdpa   the same with torch's fused attention (`--attention sdpa`; auto picks plain
                        attention on a CPU at this cutoff)
    characterkit-top12  --lora-layers 12: the trade-off for speed (a weaker LoRA)
    characterkit-all-linear   finetune's default LoRA (every projection, no dropout), the rest as
                        above: what the default costs beyond the q/v one every recipe here shares
    trl                 TRL SFTTrainer with its own defaults (bf16, gradient checkpointing, loss on
                        every token) on the dataset's OpenAI messages
    trl-completion      TRL with completion-only loss (prompt/completion rows: the reply is trained)
    legacy              lora_finetune.py's tokenisation (padded to 256, context trained), fp32, sdpa

Reported per recipe, the median of the runs (recipes take turns; the machine is shared): tokens
through the model per second (non-pad), trained tokens (carrying loss) per second, peak RSS, the
training loss, the held-out loss of Algernon's replies measured the same way for every recipe (fp32,
our val rows, reply tokens only: the comparable "loss after the same steps"), and the model-FLOPs
utilisation: model FLOPs (forward 2 x linear params x tokens + attention; backward the same for the
layers it runs through; the LM head on the trained tokens; the LoRA's own 6 x its params x tokens) over
the matmul ceiling of the precision used, measured in this run with the model's own shapes (before
and after the recipes; the higher).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

from bench.common import CORPORA, REPO, RESULTS, CountingCollator, legacy_features, median_run, run_in_child, save

MODEL = "SmolLM2-135M-Instruct"
CHARACTER = "Algernon"
PLAY = "importance-of-being-earnest_pg844_2025-utf8.txt"
CUTOFF, BATCH, LR, RANK, ALPHA, DROPOUT, SEED = 256, 4, 3e-4, 16, 32, 0.05, 42
RECIPES = ("characterkit", "characterkit-fp32", "characterkit-sdpa", "characterkit-top12", "characterkit-all-linear",
           "trl", "trl-completion", "legacy")


def find_model() -> Path:
    """$BENCH_REAL_MODEL, models/ of the repo, or the shared scratch copy (an ordinary HF folder)."""
    for candidate in (os.environ.get("BENCH_REAL_MODEL"), REPO / "models" / MODEL, REPO.parent / "scratch" / MODEL):
        if candidate and (Path(candidate) / "config.json").is_file():
            return Path(candidate)
    sys.exit(f"bench finetune_real needs {MODEL}: `characterkit models install smollm2` or set BENCH_REAL_MODEL")


def prepare(home: str) -> None:
    from characterkit.config import DialogueSettings
    from characterkit.prepare import prepare_dialogue

    source = CORPORA / "plays" / PLAY
    if not source.is_file():
        sys.exit(f"bench finetune_real needs {source} (the shared corpora)")
    os.environ["CHARACTERKIT_HOME"] = home
    (Path(home) / "models").mkdir(parents=True, exist_ok=True)
    (Path(home) / "models" / MODEL).symlink_to(find_model())
    prepare_dialogue(DialogueSettings(sources=[str(source)], names=[CHARACTER], dataset=CHARACTER))


def _threads() -> int:
    import psutil
    import torch

    torch.set_num_threads(int(os.environ.get("BENCH_THREADS") or psutil.cpu_count(logical=False) or 1))
    return torch.get_num_threads()


def matmul_ceiling(home: str) -> dict:
    """GFLOPS of the model's own matmul shapes (512 tokens x its projections), fp32 and bf16, best of 5."""
    import torch

    threads = _threads()
    config = json.loads((Path(home) / "models" / MODEL / "config.json").read_text())
    d, inter = config["hidden_size"], config["intermediate_size"]
    shapes = [(512, d, d), (512, d, inter), (512, inter, d)]
    result = {"threads": threads}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        flops = seconds = 0.0
        for m, k, n in shapes:
            a, b = torch.randn(m, k, dtype=dtype), torch.randn(k, n, dtype=dtype)
            a @ b  # warm-up
            best = min(_timed(lambda: [a @ b for _ in range(10)]) for _ in range(5))
            flops, seconds = flops + 2 * m * k * n * 10, seconds + best
        result[name] = flops / seconds / 1e9
    return result


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(recipe: str, home: str, steps: int) -> dict:
    """Train `steps` steps with one recipe in this process; return counts, times, losses."""
    import torch
    from transformers import set_seed

    threads = _threads()
    os.environ["CHARACTERKIT_HOME"] = home
    plan = _our_plan(home, steps, recipe)
    set_seed(SEED)
    trainer = _trl_trainer(recipe, home, steps, plan.tokenizer) if recipe.startswith("trl") else _our_trainer(recipe, plan)
    trainer.data_collator = counting = CountingCollator(trainer.data_collator)
    wall, cpu = time.perf_counter(), time.process_time()
    output = trainer.train()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    model = trainer.accelerator.unwrap_model(trainer.model)
    return {"recipe": recipe, "threads": threads, "steps": trainer.state.global_step, "wall_seconds": wall,
            "cpu_seconds": cpu, "tokens": counting.tokens, "trained": counting.trained, "squares": counting.squares,
            "train_loss": output.training_loss, "heldout_loss": heldout_loss(model, plan),
            "backward_layers": plan.settings.lora_layers or model.config.num_hidden_layers,
            "lora_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
            # TRL's default is bf16 mixed precision wherever fp16 is not asked for
            "precision": "bf16" if recipe.startswith("trl") else plan.precision.mixed or "fp32",
            "peak_cuda_mb": torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None}


def _our_plan(home: str, steps: int, recipe: str):
    from characterkit.train.config import FinetuneSettings
    from characterkit.train.finetune import plan_run

    settings = FinetuneSettings(model=MODEL, data=CHARACTER, lora_name=f"bench-{recipe}", cutoff=CUTOFF,
                                micro_batch_size=BATCH, max_steps=steps, save_steps=0, logging_steps=1,
                                learning_rate=LR, rank=RANK, alpha=ALPHA, seed=SEED,
                                dropout=0.0 if recipe == "characterkit-all-linear" else DROPOUT,
                                target_modules="all-linear" if recipe == "characterkit-all-linear" else "q_proj,v_proj",
                                overwrite=True, memory=False,  # TRL's rows: recalled lines would lengthen ours
                                precision="fp32" if recipe in ("characterkit-fp32", "legacy") else "auto",
                                attention="sdpa" if recipe in ("characterkit-sdpa", "legacy") else "auto",
                                lora_layers=12 if recipe == "characterkit-top12" else 0)
    return plan_run(settings)


def _our_trainer(recipe: str, plan):
    from transformers import DataCollatorForLanguageModeling

    from characterkit.train.finetune import build_trainer

    plan.val_set_for_eval, plan.val_set = plan.val_set, []  # held-out loss is measured after, the same for all
    if recipe == "legacy":
        rows = json.loads((Path(plan.data.path).parent / "processed_dataset.json").read_text(encoding="utf-8"))
        plan.train_set = legacy_features(rows, plan.tokenizer, CUTOFF)
        plan.settings.group_by_length = False  # every legacy sample has the same (padded) length
    trainer = build_trainer(plan)
    if recipe == "legacy":  # the model's own loss over every position, as lora_finetune.py trained
        trainer.data_collator = DataCollatorForLanguageModeling(plan.tokenizer, mlm=False)
        trainer.compute_loss_func = None
    return trainer


def _trl_trainer(recipe: str, home: str, steps: int, tokenizer):
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM
    from trl import SFTConfig, SFTTrainer

    rows = [json.loads(line) for line in (Path(home) / "datasets" / CHARACTER / "openai.jsonl").open(encoding="utf-8")]
    if recipe == "trl-completion":  # prompt/completion rows: TRL trains the completion only
        rows = [{"prompt": r["messages"][:-1], "completion": r["messages"][-1:]} for r in rows]
    config = SFTConfig(output_dir=str(Path(home) / "trl-out"), per_device_train_batch_size=BATCH, max_steps=steps,
                       max_length=CUTOFF, learning_rate=LR, lr_scheduler_type="linear", logging_steps=1,
                       save_strategy="no", report_to="none", seed=SEED, use_cpu=True)
    model = AutoModelForCausalLM.from_pretrained(Path(home) / "models" / MODEL)
    lora = LoraConfig(r=RANK, lora_alpha=ALPHA, lora_dropout=DROPOUT, target_modules=["q_proj", "v_proj"],
                      task_type="CAUSAL_LM")
    return SFTTrainer(model=model, args=config, train_dataset=Dataset.from_list(rows), processing_class=tokenizer,
                      peft_config=lora)


def heldout_loss(model, plan) -> float:
    """Reply-only loss on our validation rows, fp32, no autocast: the same measure for every recipe."""
    import torch

    from characterkit.train.collate import make_collator
    from characterkit.train.loss import trained_token_loss

    rows = getattr(plan, "val_set_for_eval", None) or plan.val_set
    collate = make_collator(False, plan.tokenizer.pad_token_id, keep_logits=True)
    model.eval()
    for module in model.modules():  # cached bf16 projections back to fp32: the measure is in fp32 for all
        if isinstance(module, torch.nn.Linear) and module.weight.dtype != torch.float32:
            module.float()
    total = count = 0.0
    with torch.no_grad():
        for i in range(0, len(rows), BATCH):
            batch = collate(rows[i:i + BATCH])
            n = int((batch["labels"][:, 1:] != -100).sum())
            total += trained_token_loss(model(**{k: v for k, v in batch.items() if k != "labels"}),
                                        batch["labels"]).item() * n
            count += n
    return total / count


def model_flops(run: dict, config: dict) -> float:
    """FLOPs the recipe's work needs (no recompute, no padding): see the module docstring."""
    d, inter, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    kv = config["num_key_value_heads"] * (d // config["num_attention_heads"])
    per_layer = 2 * (2 * d * d + 2 * d * kv + 3 * d * inter)  # 2 x linear params of one layer
    attention = 2 * d * run["squares"]  # QK^T and AV over the causal half, per layer
    forward = layers * (per_layer * run["tokens"] + attention)
    backward = run["backward_layers"] * (per_layer * run["tokens"] + 2 * attention)
    head = 2 * 2 * d * config["vocab_size"] * run["trained"]  # forward and grad of its input
    lora = 6 * run.get("lora_params", 0) * run["tokens"]  # forward, grad of its input and of its weights
    return forward + backward + head + lora


def main() -> None:
    steps = int(os.environ.get("BENCH_REAL_STEPS", "20"))
    repeats = int(os.environ.get("BENCH_REAL_REPEATS", "2"))
    recipes = os.environ.get("BENCH_REAL_RECIPES", ",".join(RECIPES)).split(",")
    home = RESULTS / "finetune-real-home"
    shutil.rmtree(home, ignore_errors=True)
    run_in_child("bench.bench_finetune_real", "prepare", home=str(home))
    config = json.loads((home / "models" / MODEL / "config.json").read_text())
    ceilings = [run_in_child("bench.bench_finetune_real", "matmul_ceiling", home=str(home))["extra"]]
    runs = {recipe: [] for recipe in recipes}
    for _ in range(repeats):  # taking turns: a slow spell of the machine hits every recipe alike
        for recipe in recipes:
            r = run_in_child("bench.bench_finetune_real", "run", recipe=recipe, home=str(home), steps=steps)
            extra = r["extra"]
            runs[recipe].append({**extra, "peak_rss_mb": r["peak_rss_mb"], "flops": model_flops(extra, config),
                                 "tokens_per_s": extra["tokens"] / extra["wall_seconds"],
                                 "trained_per_s": extra["trained"] / extra["wall_seconds"]})
    ceilings.append(run_in_child("bench.bench_finetune_real", "matmul_ceiling", home=str(home))["extra"])
    ceiling = {p: max(c[p] for c in ceilings) for p in ("fp32", "bf16")}
    rows = {recipe: median_run(done, "tokens_per_s") for recipe, done in runs.items() if done}
    for r in rows.values():
        r["gflops"] = r["flops"] / r["wall_seconds"] / 1e9
        r["mfu"] = r["gflops"] / ceiling[r["precision"]]
    print_table(rows, steps, ceilings)
    aims = check_aims(rows)
    shutil.rmtree(home, ignore_errors=True)
    save("finetune_real", {"model": MODEL, "character": CHARACTER, "steps": steps, "repeats": repeats,
                           "batch": BATCH, "cutoff": CUTOFF, "ceilings_gflops": ceilings, "ceiling": ceiling,
                           "results": rows, "all_runs": runs, "aims": aims})


def _each(ceilings: list[dict], precision: str) -> str:
    return "/".join(f"{c[precision]:.0f}" for c in ceilings)


def print_table(rows: dict, steps: int, ceilings: list[dict]) -> None:
    trl = max((r for name, r in rows.items() if name.startswith("trl")), key=lambda r: r["tokens_per_s"], default=None)
    print(f"{MODEL} on {CHARACTER}: {steps} steps x {BATCH} samples, cutoff {CUTOFF}, {ceilings[0]['threads']} "
          f"threads; matmul ceiling GFLOPS fp32 {_each(ceilings, 'fp32')}, bf16 {_each(ceilings, 'bf16')} (before/after)")
    print(f"  {'recipe':23} {'prec':4} {'tok/s':>6} {'trained/s':>9} {'vs TRL':>6} {'RSS MB':>7} {'train':>6} "
          f"{'heldout':>7} {'GFLOPS':>6} {'MFU':>5}   tok/s of each run")
    for name, r in rows.items():
        versus = f"{r['tokens_per_s'] / trl['tokens_per_s']:5.2f}x" if trl else "     -"
        print(f"  {name:23} {r['precision']:4} {r['tokens_per_s']:6.0f} {r['trained_per_s']:9.1f} {versus:>6} "
              f"{r['peak_rss_mb']:7.0f} {r['train_loss']:6.3f} {r['heldout_loss']:7.3f} {r['gflops']:6.1f} "
              f"{r['mfu']:5.0%}   {r['tokens_per_s_all_runs']}")


HELDOUT_NOISE = 0.02  # held-out loss at most this above TRL's counts as the same loss after the same steps


def check_aims(rows: dict) -> dict:
    """The aims for characterkit's default against the faster TRL run (speed, memory, loss, MFU),
    printed met / NOT met and returned; {} when either is missing from the run."""
    ours = rows.get("characterkit")
    peers = [r for name, r in rows.items() if name.startswith("trl")]
    if ours is None or not peers:
        return {}
    trl = max(peers, key=lambda r: r["tokens_per_s"])
    aims = {
        "speed: at least 3x the faster TRL run": (ours["tokens_per_s"] / trl["tokens_per_s"] >= 3,
                                                  f"{ours['tokens_per_s'] / trl['tokens_per_s']:.2f}x"),
        "memory: peak RSS no more than that run's": (ours["peak_rss_mb"] <= trl["peak_rss_mb"],
                                                     f"{ours['peak_rss_mb']:.0f} vs {trl['peak_rss_mb']:.0f} MB"),
        f"loss: held-out no worse than that run's (+{HELDOUT_NOISE} noise)": (  # a lower loss is no failure
            ours["heldout_loss"] - trl["heldout_loss"] <= HELDOUT_NOISE,
            f"{ours['heldout_loss']:.3f} vs {trl['heldout_loss']:.3f}"),
        "MFU: at least 60% of the ceiling": (ours["mfu"] >= 0.6, f"{ours['mfu']:.0%}"),
    }
    for aim, (met, figure) in aims.items():
        print(f"  {aim}: {figure} ({'met' if met else 'NOT met'})")
    return {aim: {"met": met, "figure": figure} for aim, (met, figure) in aims.items()}


if __name__ == "__main__":
    main()
