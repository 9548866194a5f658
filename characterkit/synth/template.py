"""Synthetic-data templates: a prompt with {slots}, the values of each slot, and how to generate.

    template = load_template("stories.yaml")
    items, expansion = expand_prompts(template, sample=200, seed=0)   # or sample=None: every combination

A template is a YAML mapping (characterkit/data/synth_example.yaml is a commented example):

    prompt: "Write a {genre} story set in {place}."   required; {slot} fields, {{ }} for braces
    slots: {genre: [noir, fable], place: places.txt}  required; a list, or a file of one value per line
    system: "You are a novelist."                    sent with every prompt ({slots} allowed)
    persona: ...                                     the system prompt in the training files
                                                     (default: `system`)
    character: Storyteller                           whose voice the completions are (default Assistant)
    random_id: true                                  add a random id to each request (see below)
    per_prompt: 2                                    completions asked for each prompt
    generation: {temperature: 0.9, top_p: 0.95, max_tokens: 1024, stop: [...]}

Everything is checked when the file is loaded, before any LLM call: an unknown slot in the prompt,
a slot with no values, a slot that nothing uses, an unknown key; errors name the file and line.
"""

from __future__ import annotations

import hashlib
import random
import string
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from characterkit.errors import UserError, closest
from characterkit.records import Message

KEYS = ("prompt", "slots", "system", "persona", "character", "random_id", "per_prompt", "generation")
GENERATION_KEYS = ("temperature", "top_p", "max_tokens", "stop")
# Without --sample, every combination is generated; past this many that is almost surely a mistake.
MAX_COMBINATIONS = 100_000
# Appended to the request (never to the training prompt) when `random_id` is on: repeated or
# near-identical requests then differ in their text, so servers that cache prompts or ignore the
# seed still sample afresh, as the synthetic-data tutorials do with a random number in the prompt.
RANDOM_ID_LINE = "\n\n(request id: {id})"


@dataclass
class Generation:
    """Sampling settings sent with every request (the seed comes from --seed)."""

    temperature: float = 0.9
    top_p: float | None = None
    max_tokens: int = 1024
    stop: list[str] | None = None

    def __post_init__(self):
        _check_number("temperature", self.temperature)
        if self.top_p is not None:
            _check_number("top_p", self.top_p)
        if not isinstance(self.max_tokens, int) or isinstance(self.max_tokens, bool):
            raise ValueError(f"max_tokens must be a whole number, got {self.max_tokens!r}")
        if self.stop is not None and (not isinstance(self.stop, list) or not all(isinstance(s, str) for s in self.stop)):
            raise ValueError(f"stop must be a list of texts, got {self.stop!r}")
        if not 0 <= self.temperature <= 5 or (self.top_p is not None and not 0 < self.top_p <= 1):
            raise ValueError(f"need 0 <= temperature <= 5 and 0 < top_p <= 1, got {self.temperature}, {self.top_p}")
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be positive, got {self.max_tokens}")


def _check_number(key: str, value) -> None:
    import math

    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{key} must be a number, got {value!r}")


@dataclass
class SynthTemplate:
    """A loaded, checked template. slots: name -> values (deduplicated, in file order)."""

    path: Path
    prompt: str
    slots: dict[str, list[str]]
    system: str = ""
    persona: str | None = None  # None: the same as `system`
    character: str = "Assistant"
    random_id: bool = False
    per_prompt: int = 1
    generation: Generation = field(default_factory=Generation)

    @property
    def combinations(self) -> int:
        total = 1
        for values in self.slots.values():
            total *= len(values)
        return total

    @property
    def training_persona(self) -> str:
        return self.system if self.persona is None else self.persona

    def describe(self) -> dict:
        """What a completion depends on (for the journal header and report.json)."""
        return {"prompt": self.prompt, "slots": self.slots, "system": self.system, "random_id": self.random_id,
                "per_prompt": self.per_prompt, "generation": vars(self.generation)}


@dataclass
class PromptItem:
    """One request: the prompt as trained, the system prompt, the slot values that made it.

    id: a hash of (seed, system, prompt, repeat), unique per request and stable across runs, so the
    journal can resume; it doubles as the request's random id.
    """

    id: str
    prompt: str
    system: str
    values: dict[str, str]
    repeat: int = 0

    def messages(self, random_id: bool) -> list[Message]:
        user = self.prompt + (RANDOM_ID_LINE.format(id=self.id) if random_id else "")
        return ([Message("system", self.system)] if self.system else []) + [Message("user", user)]


@dataclass
class Expansion:
    """How the prompts were chosen: combinations in the template, how many were used, and
    `drops` (a combination whose text equals an earlier one's: `duplicate_prompt`)."""

    combinations: int
    chosen: int
    sampled: bool
    drops: Counter = field(default_factory=Counter)


def expand_prompts(template: SynthTemplate, sample: int | None, seed: int) -> tuple[list[PromptItem], Expansion]:
    """The requests to send: every slot combination, or `sample` of them drawn with `seed`, each
    repeated `per_prompt` times. Order is the combinations' order (first slot slowest)."""
    total = template.combinations
    if sample is None and total > MAX_COMBINATIONS:
        raise UserError(f"{total:,} slot combinations; pass --sample N to draw N of them", path=template.path)
    if sample is None or sample >= total:
        indices = range(total)
    else:  # random.sample on a range never builds the full list: fine for billions of combinations
        indices = sorted(random.Random(seed).sample(range(total), sample))
    expansion = Expansion(combinations=total, chosen=len(indices), sampled=sample is not None and sample < total)
    items, seen = [], set()
    for index in indices:
        values = _combination(template.slots, index)
        prompt, system = template.prompt.format_map(values).strip(), template.system.format_map(values).strip()
        if (prompt, system) in seen:  # two values that render alike (an empty value, say)
            expansion.drops["duplicate_prompt"] += 1
            continue
        seen.add((prompt, system))
        for repeat in range(template.per_prompt):
            items.append(PromptItem(_item_id(seed, system, prompt, repeat), prompt, system, values, repeat))
    return items, expansion


def _combination(slots: dict[str, list[str]], index: int) -> dict[str, str]:
    """The index-th combination in mixed radix, the last slot varying fastest."""
    values = {}
    for name in reversed(list(slots)):
        index, position = divmod(index, len(slots[name]))
        values[name] = slots[name][position]
    return {name: values[name] for name in slots}


def _item_id(seed: int, system: str, prompt: str, repeat: int) -> str:
    digest = hashlib.blake2b(f"{seed}\0{system}\0{prompt}\0{repeat}".encode(), digest_size=6).hexdigest()
    return "q" + digest


# -- loading and checking ------------------------------------------------------------------------


def load_template(path) -> SynthTemplate:
    """Read and check a template file; every problem is a UserError naming the file and line."""
    path = Path(path)
    if not path.is_file():
        raise UserError("no such template file", path=path)
    data, lines = _read_yaml(path)
    unknown = [key for key in data if key not in KEYS]
    if unknown:
        raise UserError(f"unknown key `{unknown[0]}` (did you mean `{closest(str(unknown[0]), KEYS, 1)[0]}`?); "
                        f"keys: {', '.join(KEYS)}", path=path, line=lines.get(unknown[0]))
    for key in ("prompt", "system", "persona", "character"):
        if key in data and data[key] is not None and not isinstance(data[key], str):
            raise UserError(f"`{key}` must be text", path=path, line=lines.get(key))
    if not str(data.get("prompt") or "").strip():
        raise UserError("a template needs a `prompt` with {slots}", path=path, line=lines.get("prompt"))
    if not isinstance(data.get("slots"), dict) or not data["slots"]:
        raise UserError("a template needs `slots`: a mapping of slot name to a list of values",
                        path=path, line=lines.get("slots"))
    slots = {str(name): _slot_values(path, str(name), values, lines) for name, values in data["slots"].items()}
    template = SynthTemplate(path=path, prompt=data["prompt"], slots=slots, system=data.get("system") or "",
                             persona=data.get("persona"),
                             character=(data.get("character") or "").strip() or "Assistant",
                             random_id=_flag(data, "random_id", path, lines),
                             per_prompt=_per_prompt(data, path, lines),
                             generation=_generation(data.get("generation"), path, lines))
    _check_fields(template, lines)
    return template


def _read_yaml(path: Path) -> tuple[dict, dict[str, int]]:
    """The mapping in the file, and the line of each top-level key and of each `slots.NAME`."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8-sig")
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except UnicodeDecodeError as e:
        raise UserError(f"not UTF-8 text ({e.reason} at byte {e.start})", path=path) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise UserError(f"not valid YAML: {getattr(e, 'problem', None) or e}", path=path,
                        line=None if mark is None else mark.line + 1) from None
    if not isinstance(data, dict):
        raise UserError("a template is a YAML mapping with `prompt` and `slots`", path=path)
    lines = {}
    for key, value in node.value:
        lines[key.value] = key.start_mark.line + 1
        if key.value == "slots" and isinstance(value, yaml.MappingNode):
            lines.update({f"slots.{k.value}": k.start_mark.line + 1 for k, _ in value.value})
    return data, lines


def _slot_values(path: Path, name: str, values, lines: dict) -> list[str]:
    """A slot's values: a YAML list, or a file (beside the template) with one value per line."""
    line = lines.get(f"slots.{name}")
    if not name.isidentifier():
        raise UserError(f"slot name `{name}` must be a plain name (letters, digits, _)", path=path, line=line)
    if isinstance(values, str):
        values = _values_file(_inside_template_folder(path, values, line), path, line)
    if not isinstance(values, list) or any(isinstance(v, (dict, list)) or v is None for v in values):
        raise UserError(f"slot `{name}` must be a list of values (or a file name)", path=path, line=line)
    values = list(dict.fromkeys(str(v).strip() for v in values))  # a repeated value would repeat prompts
    if not values:
        raise UserError(f"slot `{name}` has an empty value list", path=path, line=line)
    return values


def _inside_template_folder(path: Path, name: str, line: int | None) -> Path:
    """A slot file named in the template, refused unless it lies in the template's folder (or below):
    its lines go to the LLM (maybe a remote one) and into the training data."""
    folder = path.parent.resolve()
    resolved = (folder / name).resolve()
    if not resolved.is_relative_to(folder):
        raise UserError(f"slot values file {name!r} is outside the template's folder {folder}; "
                        "put it beside the template", path=path, line=line)
    return resolved


def _values_file(values_path: Path, path: Path, line: int | None) -> list[str]:
    """Non-blank lines of a values file; lines starting with # are comments."""
    if not values_path.is_file():
        raise UserError(f"slot values file {values_path} not found (it is read relative to the template)",
                        path=path, line=line)
    try:
        text = values_path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise UserError(f"slot values file is not UTF-8 text ({e.reason} at byte {e.start})", path=values_path) from None
    return [row.strip() for row in text.splitlines() if row.strip() and not row.lstrip().startswith("#")]


def _check_fields(template: SynthTemplate, lines: dict) -> None:
    """Every {field} in prompt and system is a slot, and every slot is used by one of them."""
    used = set()
    for key in ("prompt", "system"):
        text = getattr(template, key)
        try:
            fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(text) if f is not None]
        except ValueError as e:  # a lone "{" or "}"
            raise UserError(f"`{key}`: {e} (write literal braces as {{{{ and }}}})",
                            path=template.path, line=lines.get(key)) from None
        for name, spec, conversion in fields:
            if name not in template.slots:
                hint = f" (did you mean {{{closest(name, template.slots, 1)[0]}}}?)" if name else ""
                raise UserError(f"unknown slot {{{name}}} in `{key}`{hint}; slots: {', '.join(template.slots)}",
                                path=template.path, line=lines.get(key))
            if spec or conversion:
                raise UserError(f"`{key}`: write {{{name}}} without a format spec or conversion",
                                path=template.path, line=lines.get(key))
            used.add(name)
    for name in template.slots:
        if name not in used:
            raise UserError(f"slot `{name}` is not used in `prompt` or `system` (it would only repeat prompts)",
                            path=template.path, line=lines.get(f"slots.{name}"))


def _flag(data: dict, key: str, path: Path, lines: dict) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise UserError(f"`{key}` must be true or false", path=path, line=lines.get(key))
    return value


def _per_prompt(data: dict, path: Path, lines: dict) -> int:
    value = data.get("per_prompt", 1)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise UserError("`per_prompt` must be a whole number >= 1", path=path, line=lines.get("per_prompt"))
    return value


def _generation(data, path: Path, lines: dict) -> Generation:
    if data is None:
        return Generation()
    line = lines.get("generation")
    if not isinstance(data, dict):
        raise UserError(f"`generation` must be a mapping with {', '.join(GENERATION_KEYS)}", path=path, line=line)
    unknown = [key for key in data if key not in GENERATION_KEYS]
    if unknown:
        raise UserError(f"unknown generation setting `{unknown[0]}`; use {', '.join(GENERATION_KEYS)}",
                        path=path, line=line)
    try:
        return Generation(**data)
    except (TypeError, ValueError) as e:
        raise UserError(f"`generation`: {e}", path=path, line=line) from None
