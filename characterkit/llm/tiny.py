"""A tiny random chat model for exercising real LLM servers and backends offline, in seconds.

Built on `characterkit.train.tiny.make_tiny_model`, then made to behave like a chat model:
- a plain `role: text` chat template, which `transformers serve` needs;
- sampling on by default, so retries with another seed give another reply (a server applies the
  request's temperature on top of the model's own generation config);
- replies end at sentence ends: the tokens ".", "!" and "?" count as end-of-text;
- with `reply_tokens` set, replies are shaped like a paraphrase: one paragraph (newline tokens
  suppressed), ending ever likelier after `reply_tokens` tokens (generation's exponential length
  penalty), so they finish with "stop" after about 1-2x that many tokens instead of running to
  max_tokens. `transformers serve --continuous-batching` rejects those two logits processors;
  build with reply_tokens=None for it (replies then end at a sentence end about every 170 tokens,
  or at max_tokens).
Its text is random words; use it to test plumbing (concurrency, retries, journals, files), never
the quality of a paraphrase.
"""

from __future__ import annotations

from pathlib import Path

from characterkit.llm.serve import ensure_chat_template


def make_tiny_chat_model(out_dir, hidden: int = 64, layers: int = 2, heads: int = 4, context: int = 2048,
                         seed: int = 0, reply_tokens: int | None = 48) -> Path:
    """Write the model to `out_dir` and return the path (a few seconds on a CPU)."""
    from transformers import AutoTokenizer, GenerationConfig

    from characterkit.train.tiny import make_tiny_model

    out_dir = make_tiny_model(out_dir, hidden=hidden, layers=layers, heads=heads, context=context, seed=seed)
    tokenizer = AutoTokenizer.from_pretrained(out_dir)
    sentence_ends = [i for token, i in tokenizer.get_vocab().items()
                     if tokenizer.convert_tokens_to_string([token]).strip() in (".", "!", "?")]
    config = GenerationConfig.from_pretrained(out_dir)
    config.do_sample = True
    config.temperature = 1.0
    config.eos_token_id = [tokenizer.eos_token_id, *sorted(sentence_ends)]
    if reply_tokens:
        config.exponential_decay_length_penalty = (reply_tokens, 1.08)
        config.suppress_tokens = sorted(i for token, i in tokenizer.get_vocab().items()
                                        if "\n" in tokenizer.convert_tokens_to_string([token]))
    config.save_pretrained(out_dir)
    ensure_chat_template(out_dir)
    return Path(out_dir)
