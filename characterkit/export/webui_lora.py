"""`into-webui --lora`: what a trained LoRA folder becomes inside text-generation-webui.

    loras/NAME/adapter_config.json, adapter_model.safetensors, training_log.json, characterkit.json,
    README.md, loss.png                           copied as they are (checkpoint-*/ folders are not)
    loras/NAME/training_parameters.json           rewritten for the install's training tab, so that
                                                  "Copy parameters from" fills it with values it lists
    characters/CHAR.yaml (+ .png)                 the LoRA's character, when no dataset is installed with it

Current tab: `format` is the instruction template installed with the dataset (NAME-characterkit) for
LoRAs trained in characterkit's `Name:` format, "Chat Template" for the tokenizer's own; `dataset` the
installed dataset's name. Legacy tab (modules/training.py at 7bf15ad9): its own PARAMETERS, `format`
the formats/ file and `dataset` the `-legacy` file installed with the dataset.
"""

from __future__ import annotations

import json
from pathlib import Path

from characterkit.errors import UserError
from characterkit.export.webui_install import WebuiInstall
from characterkit.export.webui_template import template_name
from characterkit.paths import safe_name, slug

PARAMETERS_FILE = "training_parameters.json"
RUN_CARD = "characterkit.json"
PROJECTIONS = ("q_proj", "v_proj", "k_proj", "o_proj", "gate_proj", "down_proj", "up_proj")


def lora_plan(lora: Path, webui: WebuiInstall, *, dataset_name: str | None,
              with_character: bool) -> tuple[list[tuple[Path | bytes, Path]], list[str]]:
    """(source or bytes, target) pairs for the LoRA, and notes for the user."""
    if not (lora / "adapter_config.json").is_file():
        raise UserError("not a LoRA folder (no adapter_config.json)", path=lora)
    name = safe_name(lora.name, "LoRA name")
    target = webui.root / "loras" / name
    card = _read_json(lora / RUN_CARD)
    plan: list[tuple[Path | bytes, Path]] = [
        (f, target / f.name) for f in sorted(lora.iterdir()) if f.is_file() and f.name != PARAMETERS_FILE]
    params = _read_json(lora / PARAMETERS_FILE)
    if params:
        data_name = dataset_name or params.get("dataset") or "None"
        params = webui_parameters(params, card, data_name, webui.legacy)
        plan.append(((json.dumps(params, ensure_ascii=False, indent=2) + "\n").encode("utf-8"), target / PARAMETERS_FILE))
    if with_character and card.get("character"):
        plan += character_plan(card, webui)
    return plan, long_row_notes(card, webui.legacy)


def webui_parameters(params: dict, card: dict, data_name: str, legacy: bool) -> dict:
    """training_parameters.json for the install's tab, pointing at the installed dataset."""
    is_text = params.get("text_dataset", "None") != "None"
    current = dict(params)
    if not is_text:
        current["dataset"] = data_name
        current["format"] = template_name(data_name) if card.get("prompt_format", "pygmalion") == "pygmalion" \
            else "Chat Template"
    return legacy_parameters(current, data_name) if legacy else current


def legacy_parameters(p: dict, data_name: str) -> dict:
    """The legacy tab's PARAMETERS (webui 7bf15ad9 modules/training.py), from the current tab's values."""
    all_linear = bool(p.get("all_linear"))
    is_text = p.get("text_dataset", "None") != "None"
    return {
        "lora_name": p["lora_name"], "always_override": p.get("always_override", False),
        **{f"{m}_en": all_linear or bool(p.get(f"{m}_en")) for m in PROJECTIONS},
        **{k: p[k] for k in ("save_steps", "micro_batch_size", "batch_size", "epochs", "learning_rate",
                             "lr_scheduler_type", "lora_rank", "lora_alpha", "lora_dropout", "cutoff_len")},
        "dataset": "None" if is_text else f"{data_name}-legacy",
        "eval_dataset": "None",
        "format": "None" if is_text else f"{data_name}-format",
        "eval_steps": p.get("eval_steps", 100),
        "raw_text_file": p["text_dataset"] if is_text else "None",
        "overlap_len": p.get("stride_length", 128),
        "newline_favor_len": 128,
        "higher_rank_limit": False,
        "warmup_steps": p.get("warmup_steps", 100),
        "optimizer": p.get("optimizer", "adamw_torch"),
        "hard_cut_string": "\\n\\n\\n",
        "train_only_after": "",
        "stop_at_loss": p.get("stop_at_loss", 0),
        "add_eos_token": p.get("add_eos_token", False),
        "min_chars": 0,
        "report_to": p.get("report_to", "None"),
    }


def character_plan(card: dict, webui: WebuiInstall) -> list[tuple[Path | bytes, Path]]:
    """The LoRA's character: the card prepare wrote beside its dataset (with the avatar), else one
    built from the run card (name, greeting, persona)."""
    from characterkit.export.cards import to_yaml

    name = card["character"]
    folder = Path((card.get("dataset") or {}).get("path") or "")
    folder = folder if folder.is_dir() else folder.parent
    stem = slug(name)
    found = [folder / "characters" / f"{stem}{suffix}" for suffix in (".yaml", ".png")]
    characters = webui.root / "characters"
    if str(folder) not in ("", ".") and found[0].is_file():
        return [(f, characters / f.name) for f in found if f.is_file()]
    context = f"{name}'s Persona: {card['persona']}" if card.get("persona") else ""
    fields = {key: value for key, value in (("name", name), ("greeting", card.get("greeting") or ""),
                                            ("context", context)) if value}
    return [(to_yaml(fields).encode("utf-8"), characters / f"{stem}.yaml")]


def long_row_notes(card: dict, legacy: bool = False) -> list[str]:
    """Rows longer than the cutoff, from what finetune counted (rows whose context it trimmed, and rows
    it dropped for length): webui drops them all."""
    stats = ((card.get("dataset") or {}).get("train")) or {}
    cutoff = (card.get("settings") or {}).get("cutoff")
    dropped = stats.get("dropped") or {}
    too_long = sum(int(n) for reason, n in dropped.items() if reason != "empty_reply")  # the others are lengths
    long = int(stats.get("context_trimmed") or 0) + too_long
    if not long or not cutoff:
        return []
    total = int(stats.get("kept") or 0) + sum(int(n) for n in dropped.values())
    fate = "cuts them at the cutoff, losing the end of the reply" if legacy else "drops them"
    return [f"{long} of {total} training rows are longer than the cutoff of {cutoff} tokens: webui's Training tab "
            f"{fate} (characterkit trimmed their oldest context); raise its Cutoff Length to keep them whole"]


def _read_json(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UserError(f"cannot read: {e}", path=path) from None
    return data if isinstance(data, dict) else {}
