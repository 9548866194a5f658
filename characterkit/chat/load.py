"""Finding what chat needs (LoRA folder, run card, base model, character) and loading it.

    setup = resolve_setup(lora="mara")     # cheap: paths and files checked, nothing heavy loaded
    engine = load_engine(setup)            # the slow part: tokenizer, base model, adapter

Resolution is split from loading so that every mistake a user can make (an unknown name, a base
model that is not on this machine, a bad character file) is reported in one line before torch is
even imported. `--model` and `--lora` take a folder name under models/ / loras/ or a path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from characterkit import base_model
from characterkit.chat.engine import DEFAULT_MAX_MESSAGE_CHARS, ChatEngine, Character
from characterkit.errors import UserError
from characterkit.memory.blocks import trained_with_blocks
from characterkit.paths import characters_dir, loras_dir, resolve_in
from characterkit.prompts import get_format
from characterkit.train.artifacts import RUN_CARD  # the run card finetune writes beside the adapter
CHARACTER_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass
class ChatSetup:
    """Everything resolved and checked before the model load."""

    base_model: Path
    character: Character
    lora: Path | None = None
    prompt_format: str = "pygmalion"
    stop_strings: list[str] = field(default_factory=list)
    tokenizer_dir: Path | None = None  # the LoRA folder when it carries its own tokenizer, else the base
    trained_with_memory: bool = False  # finetune put recalled lines into its samples: recall starts on
    memory_blocks: bool = False  # ... each read on its own (memory/blocks.py): their keys and values are kept


def resolve_setup(lora: str | None = None, model: str | None = None, character: str | None = None,
                  user_name: str | None = None) -> ChatSetup:
    """Resolve names to folders and read the run card; `model`/`character` override what it records."""
    if not lora and not model:
        raise UserError("nothing to chat with: pass --lora NAME (a folder in loras/) or --model NAME")
    card, card_path, lora_dir = {}, None, None
    if lora:
        lora_dir = resolve_in(loras_dir(), lora, "LoRA")
        if not (lora_dir / "adapter_config.json").is_file():
            raise UserError("not a LoRA folder (no adapter_config.json)", path=lora_dir)
        card_path = lora_dir / RUN_CARD
        card = _read_json(card_path) if card_path.is_file() else {}
    base = find_base_model(model) if model else _recorded_base_model(card, card_path, lora_dir)
    char = _character(card, card_path, character)
    if user_name:
        char.user_name = user_name
    prompt_format = card.get("prompt_format") or "pygmalion"
    get_format(prompt_format)  # an unknown name fails here, listing the valid ones
    stops = card.get("stop_strings") or []
    if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
        raise UserError("stop_strings must be a list of strings", path=card_path)
    has_tokenizer = lora_dir is not None and (lora_dir / "tokenizer_config.json").is_file()
    return ChatSetup(base_model=base, character=char, lora=lora_dir, prompt_format=prompt_format,
                     stop_strings=stops, tokenizer_dir=lora_dir if has_tokenizer else base,
                     trained_with_memory=bool((card.get("dataset") or {}).get("memory")),
                     memory_blocks=trained_with_blocks(card))


def _recorded_base_model(card: dict, card_path: Path, lora_dir: Path) -> Path:
    """The base model a LoRA was trained on: what the run card records (name under this home's
    models/, hub id, path), then what peft recorded in adapter_config.json."""
    adapter_config = lora_dir / "adapter_config.json"
    also = [(_read_json(adapter_config).get("base_model_name_or_path"), adapter_config)]
    return base_model.from_card(card, card_path, also)


def _character(card: dict, card_path: Path | None, character: str | None) -> Character:
    """The character from --character when given, else from the run card."""
    if character:
        return load_character_file(find_character(character))
    if card.get("character"):
        return Character(name=card["character"], persona=card.get("persona") or "",
                         greeting=card.get("greeting") or "", user_name=card.get("user_name") or "You")
    where = f" in {card_path}" if card_path else ""
    raise UserError(f"no character recorded{where}; pass --character NAME (characters/NAME.yaml) or a character file")


def find_base_model(spec: str) -> Path:
    """A model folder given as a path, a name under models/ or a hub id (see `base_model.find`)."""
    folder = base_model.find(spec)
    if folder is None:
        raise base_model.missing(spec)
    return folder


def find_character(name_or_path: str) -> Path:
    """A character file given as a path, or characters/NAME.yaml|.yml|.json."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    for suffix in CHARACTER_SUFFIXES:
        candidate = characters_dir() / f"{name_or_path}{suffix}"
        if candidate.is_file():
            return candidate
    folder = characters_dir()
    names = sorted({p.stem for p in folder.iterdir() if p.suffix in CHARACTER_SUFFIXES}) if folder.is_dir() else []
    raise UserError(f"character {name_or_path!r} not found; available in {folder}: {', '.join(names) or 'none'}")


def load_character_file(path: Path) -> Character:
    """A text-generation-webui character (YAML/JSON: name, greeting, context, your_name) or a
    Tavern V2 card (JSON with data.name, data.description, data.first_mes)."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as e:
        raise UserError(f"cannot read character file: {str(e).splitlines()[0]}", path=path) from None
    if isinstance(data, dict) and isinstance(data.get("data"), dict):  # Tavern V2 wraps its fields
        data = data["data"]
    if not isinstance(data, dict):
        raise UserError("a character file must be a mapping with at least a name", path=path)
    name = _first(data, "name", "bot", "char_name")
    if not name:
        raise UserError("the character has no name (keys tried: name, bot, char_name)", path=path)
    user = _first(data, "your_name", "user") or "You"
    persona = _fill(_first(data, "context", "char_persona", "description"), name, user)
    # Webui contexts often begin with "Name's Persona:", which the prompt format adds itself.
    persona = persona.removeprefix(f"{name}'s Persona:").strip()
    greeting = _fill(_first(data, "greeting", "char_greeting", "first_mes"), name, user)
    return Character(name=name, persona=persona, greeting=greeting, user_name=user)


def _first(data: dict, *keys: str) -> str:
    for key in keys:
        if isinstance(data.get(key), str) and data[key].strip():
            return data[key].strip()
    return ""


def _fill(text: str, name: str, user: str) -> str:
    """Replace the placeholders webui and Tavern use for the two names."""
    for placeholder, value in (("{{char}}", name), ("<BOT>", name), ("{{user}}", user), ("<USER>", user)):
        text = text.replace(placeholder, value)
    return text


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise UserError(f"cannot read: {str(e).splitlines()[0]}", path=path) from None
    if not isinstance(data, dict):
        raise UserError("expected a JSON object", path=path)
    return data


def load_engine(setup: ChatSetup, trust_remote_code: bool = False, load_in_8bit: bool = False,
                load_in_4bit: bool = False, max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS,
                memory: bool = True, precision: str = "auto") -> ChatEngine:
    """Load the tokenizer, the base model (safetensors preferred, remote code only when asked) and the
    adapter; return an engine ready to chat. Quantised loading needs CUDA and bitsandbytes.
    memory: recall the character's source lines when the LoRA has a memory file (--no-memory: off).
    precision: the dtype of the base model's weights (see `chat_dtype`)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from characterkit.model_files import check_model_folder

    check_model_folder(setup.base_model)  # a BERT or a broken download: one line, before loading
    kwargs = _model_kwargs(load_in_8bit, load_in_4bit, precision)
    try:
        tokenizer = AutoTokenizer.from_pretrained(setup.tokenizer_dir or setup.base_model,
                                                  trust_remote_code=trust_remote_code)
        model = AutoModelForCausalLM.from_pretrained(setup.base_model, trust_remote_code=trust_remote_code, **kwargs)
    except (OSError, ValueError) as e:
        raise UserError(f"cannot load the base model: {str(e).splitlines()[0]}", path=setup.base_model) from None
    if setup.lora is not None:
        from peft import PeftModel

        from characterkit.train.model import quiet_peft_warnings

        quiet_peft_warnings()  # peft's FutureWarning on every adapter load is not the user's to fix
        try:
            model = PeftModel.from_pretrained(model, setup.lora)
        except (OSError, ValueError, RuntimeError) as e:  # e.g. a LoRA trained on another base model
            raise UserError(f"cannot apply the LoRA to {setup.base_model}: {str(e).splitlines()[0]}",
                            path=setup.lora) from None
    model.eval()
    index = None
    if memory and setup.lora is not None:  # finetune copied the dataset's memory file into the LoRA
        from characterkit.memory import MemoryIndex

        index = MemoryIndex.in_folder(setup.lora, setup.character.name)
    return ChatEngine(model, tokenizer, setup.character, prompt_format=setup.prompt_format,
                      stop_strings=setup.stop_strings, max_message_chars=max_message_chars,
                      memory=index, remembers=memory, recalls=setup.trained_with_memory,
                      memory_blocks=setup.memory_blocks)


def check_quantisation(load_in_8bit: bool, load_in_4bit: bool) -> None:
    """8/4-bit loading needs one of the two flags, a CUDA GPU and bitsandbytes."""
    if not (load_in_8bit or load_in_4bit):
        return
    if load_in_8bit and load_in_4bit:
        raise UserError("choose one of --load-in-8bit and --load-in-4bit")
    import torch

    if not torch.cuda.is_available():
        raise UserError("--load-in-8bit/--load-in-4bit need a CUDA GPU, and none was found")
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        raise UserError("--load-in-8bit/--load-in-4bit need bitsandbytes: pip install bitsandbytes") from None


CHAT_PRECISIONS = ("auto", "fp32", "bf16")


def chat_dtype(precision: str = "auto") -> tuple[str, str]:
    """The dtype a CPU chat loads the base model in, and why. auto: bf16 on a CPU with native bf16
    instructions (prefill about 2x and decoding about 1.6x faster than fp32 for SmolLM2 on 2 cores,
    measured here; LoRAs train with bf16 matmuls there too), else fp32 (bf16 would be emulated, slower)."""
    from characterkit.train.hardware import cpu_bf16_flags

    if precision not in CHAT_PRECISIONS:
        raise UserError(f"unknown precision {precision!r}; choose one of: {', '.join(CHAT_PRECISIONS)}")
    if precision != "auto":
        return precision, "asked for with --precision"
    flags = cpu_bf16_flags()
    if flags:
        return "bf16", f"this CPU has {'/'.join(flags)}"
    return "fp32", "this CPU has no bf16 instructions"


def _model_kwargs(load_in_8bit: bool, load_in_4bit: bool, precision: str = "auto") -> dict:
    """from_pretrained arguments: bf16/fp16 on a GPU, `chat_dtype` on a CPU, bitsandbytes when asked."""
    import torch

    check_quantisation(load_in_8bit, load_in_4bit)
    if not torch.cuda.is_available():
        return {"dtype": torch.bfloat16 if chat_dtype(precision)[0] == "bf16" else torch.float32}
    half = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if not (load_in_8bit or load_in_4bit):
        return {"dtype": half, "device_map": "auto"}
    from transformers import BitsAndBytesConfig

    quant = (BitsAndBytesConfig(load_in_8bit=True) if load_in_8bit
             else BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=half))
    return {"quantization_config": quant, "dtype": half, "device_map": "auto"}
