"""Chat-style exports: one system, one user and one assistant message per sample.

- `webui`: webui-chat.json, a JSON array of `{"messages": [...]}`, which text-generation-webui's
  current "Chat Dataset" tab lists (it wants an array whose first row has `messages`).
- `openai`: openai.jsonl, the OpenAI fine-tuning layout, one `{"messages": [...]}` per line.
- `human-bot`: human_bot.jsonl, `{"text": "<human>: ...\\n<bot>: ...", "metadata": {...}}`
  (OpenChatKit-style), with a real newline between the turns.
"""

from __future__ import annotations

from characterkit.export.jsonfiles import RowWriter
from characterkit.export.render import reply_text, system_text, user_text
from characterkit.records import Sample


def chat_messages(sample: Sample) -> list[dict]:
    """[system, user, assistant]: always ends with the assistant message (the reply)."""
    return [
        {"role": "system", "content": system_text(sample)},
        {"role": "user", "content": user_text(sample)},
        {"role": "assistant", "content": reply_text(sample)},
    ]


class WebuiChatWriter(RowWriter):
    name = "webui"
    file_name = "webui-chat.json"

    def row(self, sample: Sample) -> dict:
        return {"messages": chat_messages(sample)}


class OpenAIWriter(RowWriter):
    name = "openai"
    file_name = "openai.jsonl"

    def row(self, sample: Sample) -> dict:
        return {"messages": chat_messages(sample)}


class HumanBotWriter(RowWriter):
    name = "human-bot"
    file_name = "human_bot.jsonl"

    def row(self, sample: Sample) -> dict:
        text = f"<human>: {user_text(sample)}\n<bot>: {reply_text(sample)}"
        return {"text": text, "metadata": {"source": sample.source, "character": sample.character}}
