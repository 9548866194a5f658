"""Run the benchmarks: `python -m bench` (all) or `python -m bench prepare finetune`.

Each bench/bench_NAME.py is run in its own process (so peak-memory figures do not mix) and writes
bench/results/NAME.json; this prints each one's summary as it finishes.
"""

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    names = [name.replace("-", "_") for name in names]  # `finetune-real` runs bench_finetune_real.py
    available = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    unknown = sorted(set(names) - set(available))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}", file=sys.stderr)
        return 2
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"), "HF_HUB_OFFLINE": "1",
           "HF_HUB_DISABLE_TELEMETRY": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    failed = []
    for name in names or available:
        print(f"== bench {name}", flush=True)
        if subprocess.run([sys.executable, "-m", f"bench.bench_{name}"], cwd=HERE.parent, env=env).returncode:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
