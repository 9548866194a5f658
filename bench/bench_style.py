"""Paraphrasing throughput: requests in flight against a server, batches in process.

The same passages (the first 200 of The Princess and the Goblin from ../shared/corpora, else the
bundled sample novel, repeated) are paraphrased
- against one local OpenAI-compatible server (`transformers serve --continuous-batching`, which
  decodes all requests in flight together, like LM Studio's parallel predictions) at concurrency
  1 (what the tutorial's sequential script does), 4 and 8;
- through the in-process transformers backend at batch 1 and batch 8.
Every passage costs one request (one attempt, at most `--max-tokens` tokens) decoded greedily, so
each run produces the same replies and does the same work: only the parallelism differs. (With
sampling, a random tiny model's reply lengths would follow the seeds, which concurrent requests
shuffle.) Prints passages per second and the ratios to the sequential run; writes
bench/results/style.json.

What limits the ratios on a 2-core CPU is the server: its decode loop is busy all the time at every
concurrency (py-spy: the client uses 0.2 CPU-s for 64 passages). `transformers serve` gains from
batching only the Python overhead of a step it shares, 2.3-3.2x at concurrency 4 from run to run;
llama.cpp's llama-server (built from source, `-np 4`) gained 1.2-1.4x, its CPU matmuls costing
about as much per request batched as alone. Where decoding is memory-bound (a GPU, a real model)
requests in flight come nearly free, which is what the concurrency is for.

    python -m bench.bench_style [--passages 200] [--max-tokens 128] [--hidden 64] [--layers 2]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.common import CORPORA, save
from characterkit.data import sample_novel_path
from characterkit.llm import LLMSettings
from characterkit.llm.serve import LocalServer
from characterkit.llm.tiny import make_tiny_chat_model
from characterkit.style.paraphrase import paraphrase_passages
from characterkit.style.passages import split_passages
from characterkit.style.prompts import load_template
from characterkit.style.settings import StyleSettings

NOVEL = CORPORA / "gutenberg-novels" / "princess-and-the-goblin_pg708_2008-ascii-crlf.txt"


def load_passages(count: int):
    from characterkit.io import read_text

    novel = NOVEL if NOVEL.exists() else sample_novel_path()
    passages, _ = split_passages(read_text(novel)[0])
    return novel, [passages[i % len(passages)] for i in range(count)]


def one_run(novel: Path, passages, llm: LLMSettings, max_tokens: int, journal: Path) -> dict:
    """Paraphrase every passage once with a fresh journal; passages per second and what came back."""
    settings = StyleSettings(novel=str(novel), author="George MacDonald", llm=llm, max_retries=1, temperature=0.0,
                             max_tokens=max_tokens, journal=str(journal), fresh=True, progress=False)
    results, stats = paraphrase_passages(passages, load_template("plain"), settings)
    return {"concurrency": llm.concurrency, "seconds": round(stats.seconds, 2),
            "passages_per_second": round(stats.per_second, 3),
            "completion_tokens": sum(r["completion_tokens"] for r in results),
            "ok": stats.ok, "skipped": stats.skipped}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=200)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    args = parser.parse_args()

    novel, passages = load_passages(args.passages)
    runs = {"server": [], "in_process": []}
    with tempfile.TemporaryDirectory(prefix="bench-style-") as tmp:
        tmp = Path(tmp)
        model = make_tiny_chat_model(tmp / "model", hidden=args.hidden, layers=args.layers, reply_tokens=None)
        with LocalServer(model, continuous_batching=True, log_path=tmp / "server.log") as server:
            warm = LLMSettings(base_url=server.base_url, model=server.model, concurrency=8)
            one_run(novel, passages[:16], warm, args.max_tokens, tmp / "warm.jsonl")  # first-batch setup cost
            for concurrency in (1, 4, 8):
                llm = LLMSettings(base_url=server.base_url, model=server.model, concurrency=concurrency)
                runs["server"].append(one_run(novel, passages, llm, args.max_tokens, tmp / f"s{concurrency}.jsonl"))
                print("server", runs["server"][-1], flush=True)
        for batch in (1, 8):
            llm = LLMSettings(backend="local", model=str(model), concurrency=batch)
            runs["in_process"].append(one_run(novel, passages, llm, args.max_tokens, tmp / f"l{batch}.jsonl"))
            print("in process", runs["in_process"][-1], flush=True)

    for kind, results in runs.items():
        base = results[0]["passages_per_second"]
        for run in results:
            run["speedup"] = round(run["passages_per_second"] / base, 2) if base else None
    result = {"passages": len(passages), "novel": novel.name, "max_tokens": args.max_tokens,
              "model": {"hidden": args.hidden, "layers": args.layers}, "server": "transformers serve --continuous-batching",
              **runs}
    path = save("style", result)
    print(f"{'':12}{'':>6}{'passages/s':>12}{'speedup':>9}")
    for kind, label in (("server", "concurrency"), ("in_process", "batch")):
        for run in runs[kind]:
            print(f"{kind:12}{label[0]}={run['concurrency']:<4}{run['passages_per_second']:>12.2f}{run['speedup']:>8.2f}x")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
