"""Chat speed and stop discipline on the tiny sample character (CPU).

For each reply: time to first token, tokens per second, and how many tokens the model generated
after the stop text (the newline) had appeared; the engine checks the stops on every token, so that
count should be 0. Baselines in the same run, right after each reply (same load on a shared
machine): plain `model.generate` of the same number of tokens with no streamer and no stop check
(the ratio is the cost of streaming + per-token stops), and plain generate to MAX_NEW_TOKENS (the
tokens it writes after the newline are what the stop saves).

Then the precision chat picks on this CPU against fp32 (the baseline, engines taking turns), on the
built-in SmolLM2: time to first token of a reply, and tokens/s of a plain generate of PRECISION_TOKENS."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.common import engines_by_precision, save

MESSAGES = ["Afternoon, Mara. The sea was kind to me today.", "Do you ever get lonely out here?",
            "Where do you want the oil?", "Is the lamp working after the storm?", "What do the gulls say?",
            "You should let me fix that step.", "Did the letter come?", "Is the storm coming by Sunday?"]
SEEDS = (0, 1, 2)
MAX_NEW_TOKENS = 64
PRECISION_TOKENS = 48


def _engine(folder: Path):
    from characterkit.chat.load import load_engine, resolve_setup
    from characterkit.chat.sample import make_sample_lora, make_sample_model

    model = make_sample_model(folder / "tiny-mara", steps=300)
    # peft's usual start (B = 0): the adapter is in the forward pass but does not change the words,
    # so the replies are the pre-trained model's, which end their turns with a newline.
    lora = make_sample_lora(folder / "mara", model, random_weights=False)
    return load_engine(resolve_setup(lora=str(lora)))


def _generate(engine, ids, seed: int, settings, new_tokens: int):
    """Plain model.generate of exactly `new_tokens` tokens: no streamer, no stop criterion."""
    import torch

    torch.manual_seed(seed)
    start = time.perf_counter()
    with torch.inference_mode():
        out = engine.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=True,
                                    temperature=settings.temperature, top_p=settings.top_p,
                                    repetition_penalty=settings.repetition_penalty, max_new_tokens=new_tokens,
                                    min_new_tokens=new_tokens, pad_token_id=engine.tokenizer.pad_token_id)
    return out[0, ids.shape[1]:].tolist(), time.perf_counter() - start


def _measure(engine, settings) -> list[dict]:
    """Each reply next to a plain generate of the same length right after it (same load on a shared
    machine), and a plain generate to MAX_NEW_TOKENS to count what comes after the newline."""
    import torch

    rows = []
    for message in MESSAGES:
        prompt, _, _ = engine.build_prompt([], message, MAX_NEW_TOKENS)
        ids = torch.tensor([engine.prompt_ids(prompt)])
        for seed in SEEDS:
            settings.seed = seed
            engine.reply([], message, settings)
            s = engine.last_stats
            _, plain_seconds = _generate(engine, ids, seed, settings, s.new_tokens)
            unstopped, _ = _generate(engine, ids, seed, settings, MAX_NEW_TOKENS)
            rows.append({"ttft_s": s.seconds_to_first_token, "new_tokens": s.new_tokens,
                         "tokens_per_s": s.new_tokens / s.seconds, "plain_tokens_per_s": s.new_tokens / plain_seconds,
                         "stopped_by": s.stopped_by, "tokens_after_stop": s.tokens_after_stop,
                         "unstopped_tokens_after_newline": _after_newline(engine.tokenizer, unstopped)})
    return rows


def _precisions() -> dict:
    """SmolLM2 in fp32 and in the precision chat picks here: first token and decoding speed, medians."""
    import torch

    from characterkit.chat.engine import Character, GenerationSettings
    from characterkit.chat.load import chat_dtype
    from characterkit.models import ensure_installed

    character = Character("Mara", persona="Mara keeps the lighthouse on a cold northern coast.")
    engines = engines_by_precision(ensure_installed(), character)
    settings = GenerationSettings(temperature=0.7, top_p=0.9, max_new_tokens=PRECISION_TOKENS, repetition_penalty=1.1)
    times = {name: {"ttft_s": [], "tokens_per_s": []} for name in engines}
    for message in MESSAGES[:4]:
        for name, engine in engines.items():  # taking turns: the same machine load for both
            settings.seed = 0
            engine.reply([], message, settings)
            prompt, _, _ = engine.build_prompt([], message, PRECISION_TOKENS)
            _, seconds = _generate(engine, torch.tensor([engine.prompt_ids(prompt)]), 0, settings, PRECISION_TOKENS)
            times[name]["ttft_s"].append(engine.last_stats.seconds_to_first_token)
            times[name]["tokens_per_s"].append(PRECISION_TOKENS / seconds)
    result = {"chat_precision": chat_dtype()[0]}
    for name, t in times.items():
        result[name] = {key: round(statistics.median(values), 4) for key, values in t.items()}
    return result


def _after_newline(tokenizer, ids: list[int]) -> int:
    for k in range(1, len(ids) + 1):
        if "\n" in tokenizer.decode(ids[:k]):
            return len(ids) - k
    return 0


def _median(rows, key):
    values = [r[key] for r in rows if r[key] is not None]
    return round(statistics.median(values), 4) if values else None


def main() -> None:
    from characterkit.chat.engine import GenerationSettings

    with tempfile.TemporaryDirectory() as folder:
        engine = _engine(Path(folder))
        settings = GenerationSettings(temperature=0.7, top_p=0.9, max_new_tokens=MAX_NEW_TOKENS,
                                      repetition_penalty=1.1)
        engine.reply([], MESSAGES[0], settings)  # warm-up: first-call allocations
        rows = _measure(engine, settings)
    for row in rows:
        row["vs_plain"] = row["tokens_per_s"] / row["plain_tokens_per_s"]
    result = {
        "replies": len(rows),
        "max_new_tokens": MAX_NEW_TOKENS,
        "mean_reply_tokens": round(statistics.mean(r["new_tokens"] for r in rows), 1),
        "ttft_s_median": _median(rows, "ttft_s"),
        "tokens_per_s_median": _median(rows, "tokens_per_s"),
        "plain_generate_tokens_per_s_median": _median(rows, "plain_tokens_per_s"),
        "tokens_per_s_vs_plain_median": _median(rows, "vs_plain"),
        "replies_ended_by_stop": sum(r["stopped_by"] is not None for r in rows),
        "tokens_after_stop_total": sum(r["tokens_after_stop"] for r in rows),
        "tokens_after_stop_max": max(r["tokens_after_stop"] for r in rows),
        "unstopped_tokens_after_newline_total": sum(r["unstopped_tokens_after_newline"] for r in rows),
    }
    result["smollm2_precision"] = precision = _precisions()
    for name in ("fp32", precision["chat_precision"]):
        print(f"SmolLM2 in {name}: first token {precision[name]['ttft_s'] * 1000:.0f} ms, "
              f"{precision[name]['tokens_per_s']:.1f} tokens/s")
    print(f"time to first token {result['ttft_s_median'] * 1000:.1f} ms, {result['tokens_per_s_median']:.0f} tokens/s "
          f"({result['tokens_per_s_vs_plain_median']:.2f}x plain generate of the same length); "
          f"{result['replies_ended_by_stop']}/{len(rows)} replies ended by the newline; tokens after the stop: "
          f"{result['tokens_after_stop_total']} (without stops, {result['unstopped_tokens_after_newline_total']} "
          f"tokens came after the newline)")
    save("chat", {**result, "rows": rows})


if __name__ == "__main__":
    main()
