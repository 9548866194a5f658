"""A tiny random chat model for exercising real LLM servers and backends offline, in seconds.

Built on `characterkit.train.tiny.make_tiny_model`, then made to behave like a chat model:
- a plain `role: text` chat template, which `transformers serve` needs;
- sampling on by default, so retries with another seed give another reply (a server applies the
  request's temperature on top of the model's own generation config);
- replies end at sentence ends: every token that ends with ".", "!" or "?" counts as end-of-text,
  so a random model writes replies of a few sentences that finish with "stop", like a real one,
  instead of always running to max_tokens.
Its text is random words; use it to test plumbing (concurrency, retries, journals, files), never
the quality of a paraphrase.
"""

from __future__ import annotations

from pathlib import Path

from characterkit.llm.serve import ensure_chat_template


def make_tiny_chat_model(out_dir, hidden: int = 64, layers: int = 2, heads: int = 4, seed: int = 0) -> Path:
    """Write the model to `out_dir` and return the path (about 2-5 s on a CPU)."""
    from transformers import AutoTokenizer, GenerationConfig

    from characterkit.train.tiny import make_tiny_model

    out_dir = make_tiny_model(out_dir, hidden=hidden, layers=layers, heads=heads, seed=seed)
    tokenizer = AutoTokenizer.from_pretrained(out_dir)
    sentence_ends = [i for token, i in tokenizer.get_vocab().items()
                     if tokenizer.convert_tokens_to_string([token]).rstrip().endswith((".", "!", "?"))]
    config = GenerationConfig.from_pretrained(out_dir)
    config.do_sample = True
    config.temperature = 1.0
    config.eos_token_id = [tokenizer.eos_token_id, *sorted(sentence_ends)]
    config.save_pretrained(out_dir)
    ensure_chat_template(out_dir)
    return Path(out_dir)
