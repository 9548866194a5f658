"""Tiny causal LMs built locally: a tokenizer trained in-process and a 2-layer model.

They exercise the real loading, training and generation code in seconds on a CPU, with no model hub.
With `pretrain_text` the model is fully trained for a few seconds on that text, so it produces real
words and, importantly, newlines at the end of turns (what the chat's stop logic is tested on).
"""

from __future__ import annotations

from pathlib import Path

from characterkit import atomic
from characterkit.errors import UserError, check_at_least, check_at_most

ARCHS = ("llama", "gptj", "neox", "gpt2")
SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<pad>"]  # ids 0..3


def train_tokenizer(texts: list[str], vocab_size: int = 512):
    """A byte-level BPE tokenizer whose newline is a single token of its own (a safe stop)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    # Split newlines off before byte-level so no merge ever glues "\n" to other text.
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Split("\n", behavior="isolated"), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(  # its own progress bars print blank lines when not on a terminal
        vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False)
    tok.train_from_iterator(texts, trainer=trainer)
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="<unk>", bos_token="<s>", eos_token="</s>", pad_token="<pad>"
    )


def _config(arch: str, vocab_size: int, hidden: int, layers: int, heads: int, context: int):
    common = dict(vocab_size=vocab_size, bos_token_id=1, eos_token_id=2, pad_token_id=3)
    if arch == "llama":
        from transformers import LlamaConfig

        return LlamaConfig(hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
                           num_attention_heads=heads, num_key_value_heads=heads,
                           max_position_embeddings=context, **common)
    if arch == "gptj":
        from transformers import GPTJConfig

        return GPTJConfig(n_embd=hidden, n_layer=layers, n_head=heads, n_positions=context,
                          rotary_dim=hidden // heads, n_inner=2 * hidden, **common)
    if arch == "neox":
        from transformers import GPTNeoXConfig

        return GPTNeoXConfig(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                             intermediate_size=2 * hidden, max_position_embeddings=context,
                             rotary_pct=0.25, **common)
    if arch == "gpt2":
        from transformers import GPT2Config

        return GPT2Config(n_embd=hidden, n_layer=layers, n_head=heads, n_positions=context, **common)
    raise UserError(f"unknown architecture {arch!r}; choose one of: {', '.join(ARCHS)}")


def make_tiny_model(out_dir, arch: str = "llama", texts: list[str] | None = None, pretrain_text: str | None = None,
                    steps: int = 0, hidden: int = 64, layers: int = 2, heads: int = 4, context: int = 512,
                    vocab_size: int = 512, seed: int = 0, pretrain_file=None, progress: bool = False) -> Path:
    """Build a tiny causal LM in `out_dir` (config, safetensors weights, tokenizer) and return the path.

    texts: what the tokenizer is trained on (defaults to `pretrain_text`, else a built-in sample).
    pretrain_text, steps: full training on this text for `steps` steps (a few seconds on a CPU).
    pretrain_file: read `pretrain_text` from this UTF-8 file (the CLI's --pretrain).
    progress: show a progress bar (on stderr) over the pre-training steps, with the loss.
    """
    import torch
    from transformers import AutoModelForCausalLM

    if arch not in ARCHS:
        raise UserError(f"unknown architecture {arch!r}; choose one of: {', '.join(ARCHS)}")
    check_at_least(0, steps=steps)
    check_at_most(1_000_000, steps=steps)
    if pretrain_file is not None:
        pretrain_text = _read_pretrain_file(Path(pretrain_file))
    out_dir = Path(out_dir)
    atomic.check_replaceable(out_dir)  # before any work: never over a folder of the user's
    if texts is None:
        texts = [pretrain_text] if pretrain_text else [_default_text()]
    tokenizer = train_tokenizer(texts, vocab_size=vocab_size)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(_config(arch, len(tokenizer), hidden, layers, heads, context))
    if pretrain_text and steps > 0:
        _pretrain(model, tokenizer, pretrain_text, steps=steps, block=min(128, context), seed=seed, progress=progress)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    with atomic.replace_dir(out_dir) as tmp:  # a full disk leaves the previous folder (or none), never a config alone
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
    return out_dir


def _pretrain(model, tokenizer, text: str, steps: int, block: int, seed: int, batch: int = 16, lr: float = 3e-3,
              progress: bool = False):
    """Plain full-parameter language-model training on random windows of `text`."""
    import torch
    from tqdm.auto import tqdm

    ids = torch.tensor(tokenizer(text, add_special_tokens=False)["input_ids"], dtype=torch.long)
    if len(ids) <= block + 1:
        ids = ids.repeat((block + 2) // max(len(ids), 1) + 1)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    bar = tqdm(total=steps, desc="pre-training", unit="step", disable=not progress)
    for step in range(steps):
        starts = torch.randint(0, len(ids) - block - 1, (batch,), generator=gen)
        x = torch.stack([ids[s : s + block] for s in starts])
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        bar.update()
        if step % 10 == 0 or step == steps - 1:
            bar.set_postfix(loss=f"{loss.item():.3f}")
    bar.close()
    model.eval()


def _read_pretrain_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"cannot read the pre-training text ({e})", path=path) from None
    if len(text.split()) < 2:
        raise UserError("the pre-training text is empty", path=path)
    return text


def _default_text() -> str:
    from characterkit.data import sample_transcript_text

    return sample_transcript_text()
