"""The shared pieces of every export: one_line's shortcut and the row templates give what the plain code gives."""

import json

import pytest

from characterkit.export.render import one_line, row_template

TRICKY = ["", " ", "plain words here", "two  spaces", " leading", "trailing ", "tab\there", "new\nline", "cr\rhere",
          "nbsp\u00a0here", "ideographic\u3000space", "line\u2028sep", "\x1cfile sep", "\x85next line",
          "zero\u200bwidth", "soft\u00adhyphen", "日本語のテキスト", "«ok» — ça va", "end\n", "\t", "a \u00a0b"]


@pytest.mark.parametrize("text", TRICKY)
def test_one_line_is_split_and_join(text):
    assert one_line(text) == " ".join(text.split())


def test_a_filled_template_is_the_bytes_json_dumps_writes():
    template = row_template({"messages": [{"role": "system", "content": "{system}"}, {"role": "user", "content": "{user}"}],
                             "input": "", "n": "{n}"})
    values = {"system": 'He said "hi" {twice} \\ back', "user": "日本語\nline two\t«x»", "n": [1, {"a": None}]}
    filled = template.format_map({key: json.dumps(value, ensure_ascii=False) for key, value in values.items()})
    expected = {"messages": [{"role": "system", "content": values["system"]}, {"role": "user", "content": values["user"]}],
                "input": "", "n": values["n"]}
    assert filled == json.dumps(expected, ensure_ascii=False)
