"""README.md of a LoRA folder: a model card that explains the adapter to whoever finds the folder.

Written from the run card (characterkit.json) and, once `characterkit eval` has run, its eval.json;
it replaces peft's placeholder README ("[More Information Needed]"). The YAML header carries the keys
the Hugging Face Hub reads (base_model, library_name, tags), so the folder can be uploaded as is.
"""

from __future__ import annotations

import json
from pathlib import Path

from characterkit import atomic

README = "README.md"


def write_model_card(folder: Path, name: str | None = None) -> Path | None:
    """(Re)write folder/README.md from the run card and eval.json found there; None without a run card.
    name: the LoRA's name (default: the folder's; a folder being built has a temporary name)."""
    from characterkit.train.artifacts import RUN_CARD

    card = _read(folder / RUN_CARD)
    if card is None:
        return None
    path = folder / README
    atomic.write_text(path, render(card, name or folder.name, _read(folder / "eval.json")))
    return path


def _read(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def render(card: dict, name: str, evaluation: dict | None = None) -> str:
    """The model card's Markdown for the LoRA `name`."""
    base = card.get("base_model") or "?"
    hub_id = card.get("base_model_hub_id")
    character = card.get("character") or "the character"
    parts = [_header(hub_id),
             f"# {name}: a LoRA for {character}\n",
             f"A LoRA adapter trained with characterkit {card.get('characterkit_version', '')} so that "
             f"`{base}` answers as {character}.\n",
             _about(card), _data(card), _settings(card), _results(card, evaluation), _usage(card, name)]
    return "\n".join(part for part in parts if part)


def _header(hub_id: str | None) -> str:
    lines = ["---", "library_name: peft", "pipeline_tag: text-generation", "tags: [lora, characterkit, roleplay]"]
    if hub_id:
        lines.insert(1, f"base_model: {hub_id}")
    return "\n".join([*lines, "---", ""])


def _about(card: dict) -> str:
    rows = [("Base model", f"`{card.get('base_model')}`" + (f" ({card['base_model_hub_id']})"
                                                              if card.get("base_model_hub_id") else "")),
            ("Architecture", card.get("model_type")), ("Character", card.get("character")),
            ("Prompt format", card.get("prompt_format")), ("User name", card.get("user_name")),
            ("Persona", card.get("persona")), ("Greeting", card.get("greeting")),
            ("Stop strings", ", ".join(f"`{json.dumps(s)[1:-1]}`" for s in card.get("stop_strings") or []))]
    return "## The character\n\n" + _table(rows)


def _data(card: dict) -> str:
    data = card.get("dataset") or {}
    train, val = data.get("train") or {}, data.get("val") or {}
    rows = [("Dataset", f"`{data.get('name') or data.get('path')}` ({data.get('format')})"),
            ("Fingerprint", f"`{data.get('fingerprint')}`"),
            ("Training samples", train.get("kept")), ("Validation samples", val.get("kept") if val else None),
            ("Trained tokens", train.get("trained_tokens"))]
    return "## Data\n\n" + _table(rows)


def _settings(card: dict) -> str:
    s = card.get("settings") or {}
    keys = ("rank", "alpha", "dropout", "target_modules", "learning_rate", "lr_scheduler", "epochs", "max_steps",
            "micro_batch_size", "grad_accum", "cutoff", "add_eos", "packing", "precision", "seed")
    return "## Training settings\n\n" + _table([(key, s.get(key)) for key in keys if key in s])


def _results(card: dict, evaluation: dict | None) -> str:
    result = card.get("result") or {}
    rows = [("Steps", result.get("global_step")), ("Train loss", _num(result.get("train_loss"))),
            ("Eval loss", _num(result.get("eval_loss"))), ("Eval perplexity", _num(result.get("eval_perplexity"))),
            ("Seconds", _num(result.get("seconds")))]
    text = "## Results\n\n" + _table(rows)
    if evaluation:
        text += "\n`characterkit eval` (perplexity, lower is better):\n\n| | base | base + LoRA |\n|---|---|---|\n"
        for part in ("character_lines", "neutral_text"):
            got = evaluation.get(part) or {}
            text += (f"| {part.replace('_', ' ')} | {_num((got.get('base') or {}).get('perplexity'))} | "
                     f"{_num((got.get('adapter') or {}).get('perplexity'))} |\n")
    else:
        text += "\nRun `characterkit eval -l NAME` to add held-out and general-ability figures here.\n"
    return text


def _usage(card: dict, name: str) -> str:
    base = card.get("base_model_hub_id") or card.get("base_model") or "BASE_MODEL"
    return f"""## How to use it

**characterkit**: `characterkit chat --lora {name}` (the base model is looked up in `models/`).

**text-generation-webui**: copy this folder to `loras/{name}`, load `{card.get('base_model')}` in the
Model tab, then pick `{name}` under LoRA(s). The prompt format is `{card.get('prompt_format')}`.

**peft**:

```python
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

base = AutoModelForCausalLM.from_pretrained("{base}")
model = PeftModel.from_pretrained(base, "loras/{name}")
tokenizer = AutoTokenizer.from_pretrained("{base}")
```

**llama.cpp**: convert the adapter, then pass it beside the base model's GGUF:

```sh
python convert_lora_to_gguf.py loras/{name} --base models/{card.get('base_model')} --outfile {name}.gguf
llama-cli -m BASE.gguf --lora {name}.gguf
```
"""


def _table(rows) -> str:
    lines = ["| | |", "|---|---|"]
    lines += [f"| {key} | {str(value).replace('|', '/').replace(chr(10), ' ')} |" for key, value in rows
              if value not in (None, "")]
    return "\n".join(lines) + "\n"


def _num(value) -> str | None:
    if value is None:
        return None
    return f"{value:.4g}" if isinstance(value, float) else str(value)
