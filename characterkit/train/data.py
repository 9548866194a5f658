"""Reading training data: every format characterkit exports, turned back into Conversations.

    datasets/NAME/            -> samples.jsonl (exact speaker turns), else processed_dataset.json
    samples.jsonl             -> Sample rows (id, character, context, reply, ..., split)
    *.json / *.jsonl rows     -> detected by keys: messages | conversations (sharegpt) |
                                 instruction+output (alpaca) | input+output (legacy) |
                                 prompt+completion (legacy OpenAI, `prepare synth`) |
                                 text with <human>:/<bot>: | text (plain documents)
    *.txt                     -> plain text, cut into token windows later (style training)

Validation rows come from the `split` field of samples.jsonl, or from the `.val` sibling of an
export (`alpaca.val.json`); `val_split` holds out a share of the rows when there are none.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from characterkit import paths
from characterkit.errors import UserError
from characterkit.export.render import OPENING_TURN
from characterkit.prompts import Conversation
from characterkit.records import Sample, Turn

DATASET_FILES = ("samples.jsonl", "processed_dataset.json")  # what a dataset folder is read from, in order
_NAMED_LINE = re.compile(r"^([^\s:][^:\n]{0,40}):(?: (.*)|)$")  # "Name: text" (the name has no colon)
_PERSONA = re.compile(r"^(?P<name>.+?)'s Persona: (?P<persona>.*?)\n<START>\n", re.S)
_HUMAN_BOT = re.compile(r"^<(human|bot)>: ?", re.M)


@dataclass
class TrainingData:
    """What a dataset holds, ready to tokenize.

    format: the detected format name. train/val: conversations with a reply each. text/val_text:
    plain text for window training (format `text`). fingerprint: sha256 of the files read.
    """

    path: Path
    format: str
    train: list[Conversation] = field(default_factory=list)
    val: list[Conversation] = field(default_factory=list)
    text: str = ""
    val_text: str = ""
    fingerprint: str = ""

    @property
    def is_text(self) -> bool:
        return self.format == "text"

    def character(self) -> str:
        """The most common character among the training conversations."""
        counts = Counter(c.character for c in self.train)
        return counts.most_common(1)[0][0] if counts else ""

    def persona(self, character: str) -> str:
        """The most common persona given to `character` ("" when none)."""
        counts = Counter(c.persona for c in self.train if c.character == character and c.persona)
        return counts.most_common(1)[0][0] if counts else ""

    def greeting(self, character: str) -> str:
        """The greeting of `character`'s card that prepare wrote beside the data ("" when none)."""
        import yaml

        folder = self.path if self.path.is_dir() else self.path.parent
        for card in sorted((folder / "characters").glob("*.yaml")):
            try:
                fields = yaml.safe_load(card.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError):
                continue
            if isinstance(fields, dict) and fields.get("name") == character:
                return str(fields.get("greeting") or "")
        return ""

    def other_speakers(self, character: str, limit: int = 20) -> list[str]:
        """The names `character` talks to, most frequent first (for stop strings)."""
        counts = Counter(t.speaker for c in self.train for t in c.turns if t.speaker and t.speaker != character)
        return [name for name, _ in counts.most_common(limit)]


def read_training_data(data: str, character: str | None = None, val_split: float = 0.0,
                       seed: int = 42) -> TrainingData:
    """Read a dataset folder or file (see the module docstring). Raises UserError when it is empty.

    character: whose replies these are, for rows that do not say (the legacy cue, a `name` on the
    assistant message, report.json beside the file all say); "Assistant" when nothing does.
    """
    path = _resolve(data)
    val_path = _val_sibling(path)
    character = character or _folder_character(path)
    fmt, rows = _read_file(path, character)
    if val_path:
        rows += [(item, "val") for item, _ in _read_file(val_path, character)[1]]
    if fmt == "text":
        result = TrainingData(path, fmt, text="\n\n".join(t for t, split in rows if split != "val"),
                              val_text="\n\n".join(t for t, split in rows if split == "val"))
    else:
        result = TrainingData(path, fmt, train=[c for c, split in rows if split != "val"],
                              val=[c for c, split in rows if split == "val"])
    if not result.train and not result.text.strip():
        raise UserError("the dataset holds no training samples", path=path)
    if val_split and not result.val and not result.is_text:
        result.train, result.val = _hold_out(result.train, val_split, seed)
    result.fingerprint = _fingerprint([path, val_path])
    return result


def _resolve(data: str) -> Path:
    path = paths.resolve_in(paths.datasets_dir(), data, "dataset")
    if path.is_dir():
        for name in DATASET_FILES:
            if (path / name).is_file():
                return path / name
        raise UserError(f"no {' or '.join(DATASET_FILES)} in this folder; run `characterkit prepare` "
                        "or name a file", path=path)
    return path


def _folder_character(path: Path) -> str | None:
    """The character named by report.json beside an export, when it names exactly one."""
    try:
        characters = json.loads((path.parent / "report.json").read_text(encoding="utf-8")).get("characters")
    except (OSError, ValueError, AttributeError):
        return None
    return characters[0] if isinstance(characters, list) and len(characters) == 1 else None


def _val_sibling(path: Path) -> Path | None:
    """`alpaca.json` -> `alpaca.val.json` when it exists (samples.jsonl carries its own split)."""
    sibling = path.with_name(f"{path.stem}.val{path.suffix}")
    return sibling if sibling.is_file() and path.name != "samples.jsonl" else None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as e:
        raise UserError(f"not UTF-8 text ({e.reason} at byte {e.start})", path=path) from None


def _read_rows(path: Path) -> list[dict]:
    """A JSON array or JSON Lines file as a list of objects (errors name the file and line)."""
    text = _read_text(path)
    if text.lstrip().startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as e:
            raise UserError(f"invalid JSON: {e.msg}", path=path, line=e.lineno) from None
    else:
        rows = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise UserError(f"invalid JSON line: {e.msg}", path=path, line=lineno) from None
    if not all(isinstance(row, dict) for row in rows):
        raise UserError("expected a JSON array of objects (or one object per line)", path=path)
    return rows


def _read_file(path: Path, character: str | None) -> tuple[str, list[tuple]]:
    """(format name, [(item, split)]): items are Conversations, or texts for the `text` format.

    A .txt file is one text; JSON / JSONL rows are detected by their keys ({"text"} rows are
    documents, as in text-generation-webui's text datasets).
    """
    if path.suffix == ".txt":
        return "text", [(_read_text(path), "train")]
    rows = _read_rows(path)
    if not rows:
        raise UserError("the dataset holds no training samples", path=path)
    fmt = detect_format(rows[0], path)
    if fmt == "text":
        return fmt, [(str(row.get("text", "")), "train") for row in rows]
    reader = READERS[fmt]
    if fmt == "legacy":
        character = character or _common_cue(rows)
    out = []
    for index, row in enumerate(rows, 1):
        try:
            out.extend((conv, row.get("split", "train")) for conv in reader(row, character))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise UserError(f"row {index} does not look like the {fmt} format ({e})", path=path) from None
    return fmt, out


def detect_format(row: dict, path: Path) -> str:
    keys = set(row)
    if {"character", "context", "reply"} <= keys:
        return "samples"
    if "messages" in keys:
        return "messages"
    if "conversations" in keys:
        return "sharegpt"
    if {"instruction", "output"} <= keys:
        return "alpaca"
    if {"input", "output"} <= keys:
        return "legacy"
    if {"prompt", "completion"} <= keys:
        return "prompt_completion"
    if "text" in keys:
        return "human_bot" if _HUMAN_BOT.search(str(row["text"])) else "text"
    raise UserError(f"unknown dataset format (keys: {', '.join(sorted(keys))}); expected a characterkit export",
                    path=path)


def _from_sample(row: dict, character: str | None):
    sample = Sample.from_dict(row)
    yield Conversation(character=sample.character or character or "Assistant", turns=sample.context, reply=sample.reply,
                       persona=sample.persona, instruction=sample.instruction)


def _from_legacy(row: dict, character: str | None):
    """`input` = [persona block] + `Name: text` lines + the `Character:` cue; `output` = the reply."""
    text = row["input"]
    persona = ""
    if match := _PERSONA.match(text):
        persona, text = match["persona"], text[match.end():]
    lines = [line for line in text.split("\n") if line.strip()]
    cue = _named(lines[-1]) if lines else None
    if cue and cue.speaker and not cue.text:  # the seed script sometimes left the cue out
        character, lines = cue.speaker, lines[:-1]
    yield Conversation(character=character or "Assistant", turns=[_named(line) for line in lines],
                       reply=row["output"].strip(), persona=persona)


def _common_cue(rows: list[dict]) -> str | None:
    last_lines = (_named(str(r.get("input", "")).rstrip().rsplit("\n", 1)[-1]) for r in rows)
    cues = Counter(turn.speaker for turn in last_lines if turn.speaker and not turn.text)
    return cues.most_common(1)[0][0] if cues else None


def _from_messages(row: dict, character: str | None):
    yield from _conversations(row["messages"], character, role_key="role", content_key="content")


def _from_sharegpt(row: dict, character: str | None):
    messages = row["conversations"]
    if row.get("system"):
        messages = [{"from": "system", "value": row["system"]}, *messages]
    yield from _conversations(messages, character, role_key="from", content_key="value")


_ROLES = {"human": "user", "gpt": "assistant", "user": "user", "assistant": "assistant", "system": "system"}


def _conversations(messages: list[dict], character: str | None, role_key: str, content_key: str):
    """One conversation per assistant message, with every message before it as context."""
    persona, turns = "", []
    for message in messages:
        role, content = _ROLES.get(message[role_key], "user"), str(message[content_key])
        speaker = message.get("name") or character or "Assistant"
        if role == "system":
            persona = content
        elif role == "assistant":
            yield Conversation(character=speaker, turns=list(turns), reply=content.strip(), persona=persona)
            turns.append(Turn(speaker, content.strip()))
        elif content.strip() != OPENING_TURN:  # the exports' stand-in for "nothing was said yet"
            turns.extend(_named(line) for line in content.split("\n") if line.strip())


def _from_alpaca(row: dict, character: str | None):
    turns = []
    for question, answer in row.get("history") or []:
        turns += [Turn(None, question), Turn(character or "Assistant", answer)]
    if str(row.get("input") or "").strip():
        turns.append(Turn(None, row["input"].strip()))
    instruction = row["instruction"].strip()
    yield Conversation(character=character or "Assistant", turns=turns, reply=row["output"].strip(),
                       persona=row.get("system") or "", instruction="" if instruction == OPENING_TURN else instruction)


def _from_prompt_completion(row: dict, character: str | None):
    """Legacy OpenAI {"prompt","completion"} rows (what `prepare synth` writes): the prompt is the task.
    TRL's conversational rows (prompt_completion.jsonl) hold message lists instead."""
    if isinstance(row["prompt"], list):
        yield from _conversations(row["prompt"] + row["completion"], character, role_key="role", content_key="content")
        return
    yield Conversation(character=character or "Assistant", reply=row["completion"].strip(),
                       instruction=row["prompt"].strip())


def _from_human_bot(row: dict, character: str | None):
    meta = row.get("metadata") or {}
    pieces = _HUMAN_BOT.split(row["text"])[1:]  # [role, text, role, text, ...]
    messages = [{"role": "user" if role == "human" else "assistant", "content": text.strip()}
                for role, text in zip(pieces[::2], pieces[1::2])]
    yield from _conversations(messages, meta.get("character") or character, role_key="role", content_key="content")


READERS = {"samples": _from_sample, "legacy": _from_legacy, "messages": _from_messages,
           "sharegpt": _from_sharegpt, "alpaca": _from_alpaca, "human_bot": _from_human_bot,
           "prompt_completion": _from_prompt_completion}


def _named(line: str) -> Turn:
    """`Name: text` -> Turn(Name, text); anything else is narration."""
    match = _NAMED_LINE.match(line.strip())
    return Turn(match[1].strip(), (match[2] or "").strip()) if match else Turn(None, line.strip())


def _hold_out(train: list[Conversation], share: float, seed: int):
    """Move a seeded random `share` of the rows (at least one, never all) to validation."""
    count = min(len(train) - 1, max(1, round(len(train) * share)))
    chosen = set(random.Random(seed).sample(range(len(train)), count)) if count > 0 else set()
    return ([c for i, c in enumerate(train) if i not in chosen], [c for i, c in enumerate(train) if i in chosen])


def _fingerprint(files: list[Path | None]) -> str:
    digest = hashlib.sha256()
    for path in files:
        if path is not None:
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
    return "sha256:" + digest.hexdigest()
