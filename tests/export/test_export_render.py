"""The shared pieces of every export: one_line's shortcut and the row templates give what the plain code gives."""

import json

import pytest

from characterkit.export.render import escaped, row_template
from characterkit.prompts import one_line

TRICKY = ["", " ", "plain words here", "two  spaces", " leading", "trailing ", "tab\there", "new\nline", "cr\rhere",
          "nbsp\u00a0here", "ideographic\u3000space", "line\u2028sep", "\x1cfile sep", "\x85next line",
          "zero\u200bwidth", "soft\u00adhyphen", "日本語のテキスト", "«ok» — ça va", "end\n", "\t", "a \u00a0b"]


@pytest.mark.parametrize("text", TRICKY)
def test_one_line_is_split_and_join(text):
    assert one_line(text) == " ".join(text.split())


def test_a_filled_template_is_the_bytes_json_dumps_writes():
    template = row_template({"messages": [{"role": "system", "content": "{system}"}, {"role": "user", "content": "{user}"}],
                             "text": "<human>: {user}\n<bot>: {reply}", "input": ""})
    values = {"system": 'He said "hi" {twice} \\ back', "user": "日本語\nline two\t«x» \x01", "reply": "\u2028}{"}
    filled = template.format_map({key: escaped(value) for key, value in values.items()})
    expected = {"messages": [{"role": "system", "content": values["system"]}, {"role": "user", "content": values["user"]}],
                "text": f"<human>: {values['user']}\n<bot>: {values['reply']}", "input": ""}
    assert filled == json.dumps(expected, ensure_ascii=False)
