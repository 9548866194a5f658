"""`eval`: what the adapter learned and what it cost, base vs base + LoRA.

    character lines   the held-out replies (masked exactly as in training): loss and perplexity
    neutral text      ordinary prose, every token: perplexity (general ability kept?)
    fidelity          other speakers' held-out loss, a speaker classifier on generated replies
    general.yes_no    a plain yes/no question the instruct model must still answer plainly

The last two come from `fidelity.py` and need the source named in the dataset's report.json.
The base numbers come from the same loaded model with the adapter switched off, so one model load
serves both. The report is written to loras/NAME/eval.json, every reply the classifier read to
loras/NAME/eval_replies.jsonl.
"""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path

from characterkit import atomic, base_model, paths
from characterkit.errors import UserError
from characterkit.prompts import choose_format
from characterkit.train.artifacts import RUN_CARD
from characterkit.train.collate import PadCollator
from characterkit.train.config import EvalSettings
from characterkit.train.data import read_training_data
from characterkit.train.encode import IGNORE, ConversationEncoder, text_windows
from characterkit.train.fidelity import fidelity_and_cost
from characterkit.train.model_card import write_model_card
from characterkit.train.model import causal_lm_type, load_tokenizer, quiet_peft_warnings, resolve_model_dir


REPLIES = "eval_replies.jsonl"  # every generated reply of the classifier test, one JSON object a line


def evaluate(settings: EvalSettings) -> dict:
    """Measure the LoRA in `settings.lora` against its base model; return the report (also eval.json)."""
    lora_dir = paths.resolve_in(paths.loras_dir(), settings.lora, "LoRA")
    if not (lora_dir / "adapter_config.json").is_file():
        raise UserError("not a LoRA folder (no adapter_config.json)", path=lora_dir)
    card = _read_card(lora_dir)
    model_dir = (resolve_model_dir(settings.model) if settings.model
                 else base_model.from_card(card, lora_dir / RUN_CARD) if card else _missing("--model"))
    causal_lm_type(model_dir)
    tokenizer = load_tokenizer(model_dir)
    cutoff = card.get("settings", {}).get("cutoff", 256)
    data, fmt = _read_data(settings, card, tokenizer)
    character_rows, split = _character_rows(data, fmt, card, tokenizer, cutoff)
    neutral_path, neutral_text = _neutral_text(settings.neutral)
    neutral_rows = [e.as_dict() for e in text_windows(neutral_text, tokenizer, cutoff, overlap=0)]

    model = _load_with_adapter(model_dir, lora_dir)
    collator = PadCollator(tokenizer.pad_token_id)

    def measure(rows: list[dict]) -> dict:
        with model.disable_adapter():
            base = _mean_loss(model, rows, collator, settings.micro_batch_size)
        adapted = _mean_loss(model, rows, collator, settings.micro_batch_size)
        return {"samples": len(rows), "tokens": base[1], "base": _scores(base[0]), "adapter": _scores(adapted[0])}

    measured = {"character_lines": {**measure(character_rows), "split": split},
                "neutral_text": {**measure(neutral_rows), "source": neutral_path}}
    fidelity, general = fidelity_and_cost(model, tokenizer, fmt, data, card, settings, lambda r: _named(measure(r)))
    fidelity["loss"]["character"] = _named(measured["character_lines"])
    replies = fidelity["classifier"].pop("reply_rows", [])
    if replies:
        fidelity["classifier"]["replies_file"] = REPLIES
    general["perplexity"] = {k: measured["neutral_text"][m]["perplexity"] for k, m in (("base", "base"),
                                                                                      ("lora", "adapter"))}
    report = {"lora": str(lora_dir), "base_model": str(model_dir), **measured, "fidelity": fidelity,
              "general": general, "settings": settings.to_dict()}
    if replies:
        atomic.write_text(lora_dir / REPLIES, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in replies))
    else:  # one from an earlier eval would no longer match eval.json
        (lora_dir / REPLIES).unlink(missing_ok=True)
    atomic.write_json(lora_dir / "eval.json", report)
    write_model_card(lora_dir)  # the README gains the figures
    return report


def _named(part: dict) -> dict:
    """A measured part as eval.json's fidelity keys name it: the {base, lora} losses, then the counts."""
    return {"base": part["base"]["loss"], "lora": part["adapter"]["loss"], "samples": part["samples"],
            "tokens": part["tokens"]}


def _recorded_data(recorded: dict) -> str | None:
    """The run card's dataset: its path, else its name under this home's datasets/ (a moved home)."""
    path = recorded.get("path")
    if path and Path(path).exists() or not recorded.get("name"):
        return path
    return str(paths.datasets_dir() / recorded["name"])


def _read_data(settings: EvalSettings, card: dict, tokenizer):
    data = read_training_data(settings.data or _recorded_data(card.get("dataset", {})) or _missing("--data"),
                              character=card.get("character") or None)
    return data, choose_format(card.get("prompt_format", "auto"), tokenizer)


def _character_rows(data, fmt, card: dict, tokenizer, cutoff: int) -> tuple[list[dict], str]:
    """The validation replies encoded as in training; the training rows (said so) when there is no val."""
    if data.is_text:
        text, split = (data.val_text, "val") if data.val_text.strip() else (data.text, "train")
        return [e.as_dict() for e in text_windows(text, tokenizer, cutoff, overlap=0)], split
    conversations, split = (data.val, "val") if data.val else (data.train, "train (no validation rows)")
    encoder = ConversationEncoder(fmt, tokenizer, cutoff, card.get("add_eos", True))
    rows = [e.as_dict() for conv in conversations if (e := encoder.encode(conv)) is not None]
    if not rows:
        raise UserError(f"no sample fits the cutoff of {cutoff} tokens", path=data.path)
    return rows, split


def _neutral_text(path: str | None) -> tuple[str, str]:
    if path is None:
        return "built-in", (resources.files("characterkit.data") / "neutral_text.txt").read_text(encoding="utf-8")
    try:
        return path, Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"cannot read the neutral text ({e})", path=path) from None


def _load_with_adapter(model_dir: Path, lora_dir: Path):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(model_dir)
    quiet_peft_warnings()
    try:
        return PeftModel.from_pretrained(base, lora_dir).eval()
    except (ValueError, RuntimeError) as e:  # e.g. a LoRA trained on another architecture or size
        raise UserError(f"the LoRA does not fit the base model {model_dir} ({str(e).splitlines()[0]})",
                        path=lora_dir) from None


def _mean_loss(model, rows: list[dict], collator, batch_size: int) -> tuple[float, int]:
    """(mean cross-entropy per labelled token, number of labelled tokens), without gradients."""
    import torch
    import torch.nn.functional as F

    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(rows), batch_size):
            batch = collator(rows[start : start + batch_size])
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            # position i predicts token i + 1
            labels = batch["labels"][:, 1:]
            total += F.cross_entropy(logits[:, :-1].flatten(0, 1).float(), labels.flatten(), ignore_index=IGNORE,
                                     reduction="sum").item()
            count += int((labels != IGNORE).sum())
    return (total / count if count else float("nan")), count


def _scores(loss: float) -> dict:
    return {"loss": loss, "perplexity": math.exp(loss) if loss < 50 else float("inf")}


def _read_card(lora_dir: Path) -> dict:
    try:
        return json.loads((lora_dir / RUN_CARD).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as e:
        raise UserError(f"unreadable run card ({e})", path=lora_dir / RUN_CARD) from None


def _missing(flag: str):
    raise UserError(f"this LoRA has no run card ({RUN_CARD}) saying what it was trained on; give {flag}")


def summary(report: dict) -> str:
    """The report as a small table: each figure for the base model and with the LoRA."""
    rows = [("", "base", "+ LoRA", "")]
    for name in ("character_lines", "neutral_text"):
        part = report[name]
        rows.append((f"{name.replace('_', ' ')} ppl", f"{part['base']['perplexity']:.2f}",
                     f"{part['adapter']['perplexity']:.2f}", f"{part['tokens']} tokens"))
    fidelity, general = report.get("fidelity", {}), report.get("general", {})
    for who in ("character", "others"):
        part = fidelity.get("loss", {}).get(who, {})
        if "base" in part:
            rows.append((f"loss, {who}", f"{part['base']:.3f}", f"{part['lora']:.3f}",
                         f"{part['lora'] - part['base']:+.3f}, {part['samples']} samples"))
    clf = fidelity.get("classifier", {})
    if "base" in clf:
        rows.append(("sounds like character", f"{clf['base']:.0%}", f"{clf['lora']:.0%}",
                     f"real lines {clf['reference']:.0%} (others' {clf.get('others_reference', 0):.0%}), "
                     f"{clf.get('replies', clf['contexts'])} replies"))
    if "lora_memory" in clf:
        rows.append(("  + memory", f"{clf.get('base_memory', 0):.0%}", f"{clf['lora_memory']:.0%}",
                     "its own lines recalled as in chat"))
    for key, who, label in (("memory_paired", "lora", "LoRA"), ("memory_paired_base", "base", "base")):
        if key in clf:
            paired = clf[key]
            low, high = paired["difference"]["interval_95"]
            mean = f"{paired['difference']['mean']:+.3f}"
            rows.append((f"  memory, paired, {label}", *((mean, "") if who == "base" else ("", mean)),
                         f"P(character) {paired['probability'][who]:.3f} -> {paired['probability'][who + '_memory']:.3f}, "
                         f"95% [{low:+.3f}, {high:+.3f}]; {paired['only_with_memory']} replies his only with memory, "
                         f"{paired['only_without']} only without"))
    yn = general.get("yes_no", {})
    if "base" in yn:
        for key, label in (("accuracy", "yes/no accuracy"), ("bare_share", "bare yes/no")):
            rows.append((label, f"{yn['base'][key]:.0%}", f"{yn['lora'][key]:.0%}", f"{yn['passages']} passages"))
    lines = [f"{a:24} {b:>8} {c:>8}   {d}".rstrip() for a, b, c, d in rows]
    lines += [f"{name}: skipped ({part['skipped']})" for name, part in
              (("classifier", clf), ("yes/no", yn), ("others' loss", fidelity.get("loss", {}).get("others", {})))
              if "skipped" in part]
    lines.append(f"written to {Path(report['lora']) / 'eval.json'}")
    return "\n".join(lines)
