"""Chat-style exports: one system, one user and one assistant message per sample.

- `webui`: webui-chat.json, a JSON array of `{"messages": [...]}`, which text-generation-webui's
  current "Chat Dataset" tab lists (it wants an array whose first row has `messages`), and
  instruction-templates/NAME-characterkit.yaml, the template that renders those rows as the text
  characterkit trains on (webui_template.py). Rows hold what that format renders: a system message
  only for a persona the user gave, the user turn as `Name: text` lines, the reply with its speaker's
  `name`.
- `prompt-completion`: prompt_completion.jsonl, TRL's conversational prompt-completion shape,
  `{"prompt": [system, user], "completion": [assistant]}` per line (TRL trains the completion only).
- `openai`: openai.jsonl, the OpenAI fine-tuning layout, one `{"messages": [...]}` per line.
- `human-bot`: human_bot.jsonl, `{"text": "<human>: ...\\n<bot>: ...", "metadata": {...}}`
  (OpenChatKit-style), with a real newline between the turns.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from characterkit.export.jsonfiles import RowWriter
from characterkit.export.render import OPENING_TURN, Rendered, escaped, row_template
from characterkit.export.webui_template import TEMPLATE_FOLDER, template_name, template_yaml

# [system, user, assistant]: always ends with the assistant message (the reply).
MESSAGES_ROW = row_template({"messages": [
    {"role": "system", "content": "{system}"},
    {"role": "user", "content": "{user}"},
    {"role": "assistant", "content": "{reply}"},
]})

PROMPT_COMPLETION_ROW = row_template({
    "prompt": [{"role": "system", "content": "{system}"}, {"role": "user", "content": "{user}"}],
    "completion": [{"role": "assistant", "content": "{reply}"}],
})

# webui rows: the system message only when the sample has a persona (characterkit trains none otherwise).
_WEBUI_USER_AND_REPLY = [{"role": "user", "content": "{user}"},
                         {"role": "assistant", "content": "{reply}", "name": "{character}"}]
WEBUI_ROW = row_template({"messages": _WEBUI_USER_AND_REPLY})
WEBUI_PERSONA_ROW = row_template({"messages": [{"role": "system", "content": "{persona}"}] + _WEBUI_USER_AND_REPLY})

HUMAN_BOT_ROW = row_template({"text": "<human>: {user}\n<bot>: {reply}",
                              "metadata": {"source": "{source}", "character": "{character}"}})


class WebuiChatWriter(RowWriter):
    name = "webui"
    file_name = "webui-chat.json"

    def __init__(self, folder: Path, dataset_name: str):
        super().__init__(folder, dataset_name)
        self.characters = Counter()

    def row(self, view: Rendered) -> str:
        sample = view.sample
        self.characters[sample.character] += 1
        # An opening reply keeps OPENING_TURN (webui needs a message before the reply to mask it);
        # the template leaves that line out again.
        user = view.pygmalion_user if not view.opens_scene else escaped(OPENING_TURN)
        fields = {"user": user, "reply": view.fields["reply"], "character": escaped(sample.character)}
        if sample.persona.strip():
            return WEBUI_PERSONA_ROW.format(persona=escaped(sample.persona.strip()), **fields)
        return WEBUI_ROW.format(**fields)

    def close(self) -> list[Path]:
        files = super().close()
        main = self.characters.most_common(1)[0][0] if self.characters else self.dataset_name
        path = self.folder / TEMPLATE_FOLDER / f"{template_name(self.dataset_name)}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template_yaml(main), encoding="utf-8")
        return files + [path]


class PromptCompletionWriter(RowWriter):
    name = "prompt-completion"
    file_name = "prompt_completion.jsonl"

    def row(self, view: Rendered) -> str:
        return PROMPT_COMPLETION_ROW.format_map(view.fields)


class OpenAIWriter(RowWriter):
    name = "openai"
    file_name = "openai.jsonl"

    def row(self, view: Rendered) -> str:
        return MESSAGES_ROW.format_map(view.fields)


class HumanBotWriter(RowWriter):
    name = "human-bot"
    file_name = "human_bot.jsonl"

    def row(self, view: Rendered) -> str:
        return HUMAN_BOT_ROW.format(source=escaped(view.sample.source), character=escaped(view.sample.character),
                                    **view.fields)
