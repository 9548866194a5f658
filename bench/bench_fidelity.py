"""Does a LoRA trained here make SmolLM2 talk like Algernon? `characterkit eval` on a real model.

    python -m bench fidelity    (BENCH_FIDELITY_EPOCHS, _LR, _SAMPLES, _MODEL to change the defaults)

Algernon from The Importance of Being Earnest (../shared/corpora/plays), 15% of his lines held out
(seed 0); a LoRA trained on SmolLM2-135M-Instruct with fixed seeds and finetune's own defaults (what a user
gets: 3 epochs at lr 3e-4, precision picked for the hardware); then `eval`, whose base figures come from the same
loaded model with the adapter off. No baseline run is needed: base and LoRA are measured in the same
process on the same held-out data. Aims (issue 11): the classifier attributes at least twice as many
LoRA replies to Algernon as base replies, and the LoRA lowers the loss on his held-out lines more than
on the other speakers'. The model: BENCH_FIDELITY_MODEL, else models/SmolLM2-135M-Instruct under the home
(installed on first use, as `characterkit models install smollm2` does).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.common import CORPORA, RESULTS, save

MODEL_NAME = "SmolLM2-135M-Instruct"
SOURCE = CORPORA / "plays" / "importance-of-being-earnest_pg844_2025-utf8.txt"


def find_model() -> Path:
    """BENCH_FIDELITY_MODEL when set, else the built-in SmolLM2 under the home's models/ (installed on first use)."""
    if os.environ.get("BENCH_FIDELITY_MODEL"):
        return Path(os.environ["BENCH_FIDELITY_MODEL"])
    from characterkit.models import ensure_installed

    return ensure_installed()


def run(home: Path) -> dict:
    from characterkit.config import DialogueSettings
    from characterkit.prepare import prepare_dialogue
    from characterkit.train.config import EvalSettings, FinetuneSettings
    from characterkit.train.evaluate import evaluate, summary
    from characterkit.train.finetune import finetune

    model = find_model()  # in the user's home, before the bench's own becomes the home
    os.environ["CHARACTERKIT_HOME"] = str(home)
    (home / "models").mkdir(parents=True)
    (home / "models" / MODEL_NAME).symlink_to(model)
    prepared = prepare_dialogue(DialogueSettings(sources=[str(SOURCE)], names=["Algernon"], val_ratio=0.15, seed=0,
                                                 formats=["processed_dataset"], dataset="Algernon"))
    overrides = {key: float(os.environ[f"BENCH_FIDELITY_{env}"]) for key, env in (("epochs", "EPOCHS"), ("learning_rate", "LR"))
                 if os.environ.get(f"BENCH_FIDELITY_{env}")}
    train = FinetuneSettings(model=MODEL_NAME, data="Algernon", lora_name="Algernon", save_steps=0, seed=0,
                             logging_steps=10, **overrides)
    start = time.perf_counter()
    trained = finetune(train)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    # 32 replies per model by default (about 12 min of eval): with 16 one reply moves a share by 6 points, and
    # the same run read base 31% / LoRA 50% (1.6x) where 32 replies read 16% / 44% (2.8x). The ratio is
    # noisy at any size a CPU allows: with memory blocks, 64 replies read 12% / 47% (3.75x), 256 read
    # 26% / 50% (1.95x), 128 read 20% / 49% (2.42x), 256 again (after the faster loss and attention) 26% / 50%
    # (1.94x): his real lines read 50%, so 2x needed a LoRA that sounds more like him than he does. With
    # the classifier over n-grams across word boundaries (chosen on real lines, `bench classifier`), 512
    # replies read 19% / 48% (2.55x), his real lines 42%; the old classifier read the same replies 27% / 52%
    # (1.93x). The paired memory comparison (memory_paired) is the steadier figure.
    samples = int(os.environ.get("BENCH_FIDELITY_SAMPLES", 32))
    report = evaluate(EvalSettings(lora="Algernon", samples=samples, seed=0))
    eval_seconds = time.perf_counter() - start
    print(summary(report), flush=True)
    replies = RESULTS / "fidelity_replies.jsonl"  # every reply the classifier read, beside the figures
    shutil.copyfile(home / "loras" / "Algernon" / report["fidelity"]["classifier"]["replies_file"], replies)
    return {"samples": prepared["samples"], "finetune": train.to_dict(), "train_seconds": round(train_seconds, 1),
            "train_result": trained.get("result"), "eval_seconds": round(eval_seconds, 1),
            "fidelity": report["fidelity"], "general": report["general"], "aims": aims(report)}


def aims(report: dict) -> dict:
    clf, loss = report["fidelity"]["classifier"], report["fidelity"]["loss"]
    character_drop = loss["character"]["base"] - loss["character"]["lora"]
    others_drop = loss["others"]["base"] - loss["others"]["lora"]
    return {"classifier_lora_over_base": clf["lora"] / clf["base"] if clf["base"] else float("inf"),
            "classifier_at_least_twice_base": clf["lora"] >= 2 * clf["base"] and clf["lora"] > 0,
            "loss_drop_character": character_drop, "loss_drop_others": others_drop,
            "character_loss_falls_more": character_drop > others_drop,
            # issue 16: memory raises the character's share; paired, so that the noise of two shares is not read as it
            "memory_raises_character": _raises(clf, "memory_paired"),
            "memory_raises_character_base": _raises(clf, "memory_paired_base")}


def _raises(clf: dict, key: str) -> bool | None:
    """Met when the 95% interval of the paired difference lies above 0; None without memory."""
    return clf[key]["difference"]["interval_95"][0] > 0 if key in clf else None


def main() -> None:
    if not SOURCE.is_file():
        sys.exit(f"bench fidelity needs {SOURCE} (the shared corpora)")
    with tempfile.TemporaryDirectory(prefix="bench-fidelity-") as tmp:
        start = time.perf_counter()
        result = run(Path(tmp))
        result["total_seconds"] = round(time.perf_counter() - start, 1)
    path = save("fidelity", {"note": "one run on a shared, loaded 2-core machine; seeds fixed", **result})
    a = result["aims"]
    print(f"classifier: LoRA / base = {a['classifier_lora_over_base']:.2f} (aim >= 2: "
          f"{'met' if a['classifier_at_least_twice_base'] else 'NOT met'}); loss drop Algernon "
          f"{a['loss_drop_character']:+.3f} vs others {a['loss_drop_others']:+.3f} "
          f"({'met' if a['character_loss_falls_more'] else 'NOT met'}); memory raises P(Algernon), 95% interval of "
          f"the paired difference above 0: with the LoRA {_verdict(a['memory_raises_character'])}, "
          f"base model {_verdict(a['memory_raises_character_base'])}; train {result['train_seconds']:.0f} s, "
          f"eval {result['eval_seconds']:.0f} s; written to {path}")


def _verdict(met: bool | None) -> str:
    return "not measured (no memory)" if met is None else "met" if met else "NOT met"


if __name__ == "__main__":
    main()
