"""The paraphrase prompt: a system prompt and a user template, from a preset or the user's YAML file.

    template = load_template("plain")            # or "ai-text", or a path to a YAML file
    messages = template.messages(passage, author="George MacDonald")
    tone, paraphrase = parse_reply(completion.text)
    if not tone:                                  # small models often leave the tone line out:
        tone = parse_tone_answer(backend.complete(template.tone_messages(passage), ...).text)

Presets live in characterkit/data/style_templates/ and double as examples to copy.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

import regex

from characterkit.errors import UserError
from characterkit.records import Message
from characterkit.style.passages import Passage

PRESETS_DIR = Path(__file__).resolve().parents[1] / "data" / "style_templates"
PLACEHOLDERS = ("text", "author", "type", "words")
# Asked on its own when a paraphrase reply has no tone line (the template's `tone` key overrides it).
TONE_QUESTION = "What is the tone of this passage? Answer with one word.\n\n{text}"
# "Tone: Calm", "**Tone:** calm", "tone - calm" on the first line of the reply.
TONE_LINE = regex.compile(r"^\W*tone\W*[:\-]\s*\**\s*(?P<tone>[^\n*]+?)\s*\**\s*$", regex.IGNORECASE)


@dataclass
class ParaphraseTemplate:
    """name: the preset name or file path. system / user: texts with {placeholders}. tone: the
    question asked separately when a reply gives no tone line."""

    name: str
    system: str
    user: str
    tone: str = TONE_QUESTION

    def messages(self, passage: Passage, author: str) -> list[Message]:
        values = {"text": passage.text, "author": author, "type": passage.type, "words": passage.words}
        rendered = [Message("user", self.user.format(**values).strip())]
        if self.system.strip():
            rendered.insert(0, Message("system", self.system.format(**values).strip()))
        return rendered

    def tone_messages(self, passage: Passage) -> list[Message]:
        """The separate one-word tone question about `passage`."""
        values = {"text": passage.text, "author": "", "type": passage.type, "words": passage.words}
        return [Message("user", self.tone.format(**values).strip())]

    def describe(self) -> dict:
        return {"name": self.name, "system": self.system, "user": self.user, "tone": self.tone}


def presets() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))


def load_template(name_or_path: str) -> ParaphraseTemplate:
    """A preset by name, else a YAML file with `system` and `user` keys; checked before any call."""
    import yaml

    path = PRESETS_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        path = Path(name_or_path)
    if not path.exists():
        raise UserError(f"no such template file or preset {name_or_path!r}; presets: {', '.join(presets())}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise UserError(f"not valid YAML: {getattr(e, 'problem', e)}", path=path,
                        line=None if mark is None else mark.line + 1) from None
    if not isinstance(data, dict) or not isinstance(data.get("user"), str):
        raise UserError("a template is a YAML mapping with a `user` text (and optionally `system`)", path=path)
    template = ParaphraseTemplate(name=str(name_or_path), system=str(data.get("system") or ""), user=data["user"],
                                  tone=str(data.get("tone") or TONE_QUESTION))
    for key in ("system", "user", "tone"):
        _check_placeholders(getattr(template, key), key, path)
    for key in ("user", "tone"):
        if "{text}" not in getattr(template, key):
            raise UserError(f"the `{key}` template must contain {{text}}, where the passage goes", path=path)
    return template


def _check_placeholders(text: str, key: str, path: Path) -> None:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as e:  # a lone "{" or "}"
        raise UserError(f"`{key}`: {e} (write literal braces as {{{{ and }}}})", path=path) from None
    for field in fields:
        if field not in PLACEHOLDERS:
            raise UserError(f"`{key}`: unknown placeholder {{{field}}}; use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}",
                            path=path)


def parse_reply(reply: str) -> tuple[str, str]:
    """(tone, paraphrase): a `Tone: X` line is taken off the start of the reply, or else off its end
    (where some models put it); no such line gives tone ""."""
    lines = reply.strip().split("\n")
    for index in (0, len(lines) - 1):
        match = TONE_LINE.match(lines[index])
        if match and len(lines) > 1:
            rest = lines[index + 1:] if index == 0 else lines[:index]
            return match["tone"].strip(), "\n".join(rest).strip()
    return "", reply.strip()


# "The tone of this passage is calm.", "Tone: calm", "**Calm**" -> "calm"
_TONE_PREAMBLE = regex.compile(r"^\W*(?:the\s+)?(?:overall\s+)?tone(?:\s+of\s+(?:this|the)\s+(?:passage|text))?"
                               r"(?:\s+is|\s*[:\-])\s*", regex.IGNORECASE)


def parse_tone_answer(answer: str) -> str:
    """The tone word(s) in an answer to the tone question: its first line, without a "The tone is"
    preamble, up to the first sentence break, at most three words ("" when there are none)."""
    first = answer.strip().split("\n", 1)[0]
    first = _TONE_PREAMBLE.sub("", first)
    first = regex.split(r"[.;,!?(]", first, maxsplit=1)[0]
    words = regex.findall(r"[\p{L}][\p{L}'-]*", first)
    return " ".join(words[:3])
