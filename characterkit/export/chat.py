"""Chat-style exports: one system, one user and one assistant message per sample.

- `webui`: webui-chat.json, a JSON array of `{"messages": [...]}`, which text-generation-webui's
  current "Chat Dataset" tab lists (it wants an array whose first row has `messages`).
- `openai`: openai.jsonl, the OpenAI fine-tuning layout, one `{"messages": [...]}` per line.
- `human-bot`: human_bot.jsonl, `{"text": "<human>: ...\\n<bot>: ...", "metadata": {...}}`
  (OpenChatKit-style), with a real newline between the turns.
"""

from __future__ import annotations

from characterkit.export.jsonfiles import RowWriter
from characterkit.export.render import Rendered, escaped, row_template

# [system, user, assistant]: always ends with the assistant message (the reply).
MESSAGES_ROW = row_template({"messages": [
    {"role": "system", "content": "{system}"},
    {"role": "user", "content": "{user}"},
    {"role": "assistant", "content": "{reply}"},
]})

HUMAN_BOT_ROW = row_template({"text": "<human>: {user}\n<bot>: {reply}",
                              "metadata": {"source": "{source}", "character": "{character}"}})


class WebuiChatWriter(RowWriter):
    name = "webui"
    file_name = "webui-chat.json"

    def row(self, view: Rendered) -> str:
        return MESSAGES_ROW.format_map(view.fields)


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
