"""A novel as Lines for the sample builder, through the `novel` parse format."""

from collections import Counter

import pytest

from characterkit.errors import UserError
from characterkit.parse import ParseOptions, detect_format, parse_lines, parse_source, scan_speakers
from characterkit.parse.novel import novel_lines
from characterkit.records import BREAK, NARRATION, SPEECH

NOVEL = """\
CHAPTER I.

The kitchen was cold when Mara came down.

"You are up early," said Mrs. Holloway, without turning round.

"I could not sleep," Mara answered. "The wind kept me awake."

"Tobias will be back by noon," said Mrs. Holloway.

"Is he bringing the doctor?" asked Mara.

"If the doctor will come," said Mrs. Holloway.

CHAPTER II.

Tobias came in at noon, stamping the snow from his boots.

"He will come tomorrow," said Tobias.
"""


def numbered(text):
    return list(enumerate(text.splitlines(), 1))


def test_lines_in_text_order_with_breaks_narration_and_speech():
    lines = list(novel_lines(NOVEL, "novel.txt"))
    kinds = [line.kind for line in lines]
    assert kinds[:3] == [BREAK, NARRATION, SPEECH]
    assert kinds.count(BREAK) == 2
    speech = [line for line in lines if line.kind == SPEECH]
    assert [s.speaker for s in speech] == ["Mrs. Holloway", "Mara", "Mrs. Holloway", "Mara", "Mrs. Holloway", "Tobias"]
    assert speech[1].text == "I could not sleep. The wind kept me awake."  # the tag taken out: two sentences
    assert all(0 < s.confidence <= 1 for s in speech)
    # the speech tag between the pieces of one quote is not narration; the rest of the paragraph is
    narration = [line.text for line in lines if line.kind == NARRATION]
    # a paragraph's rest that is only the speech tag says nothing without its quotation: left out
    assert "said Mrs. Holloway, without turning round." not in narration
    assert not any(text.startswith("Mara answered") for text in narration)
    assert lines[1].lineno == 3 and speech[0].lineno == 5 and lines[0].source == "novel.txt"


def test_line_numbers_follow_the_source_lines():
    shifted = [(n + 40, text) for n, text in numbered(NOVEL)]  # e.g. a stripped Gutenberg header
    lines = list(parse_lines(shifted, "novel"))
    assert [(line.kind, line.lineno) for line in lines[:2]] == [(NARRATION, 43), (SPEECH, 45)]


def test_parse_format_novel_with_detection_and_speaker_counts(tmp_path):
    path = tmp_path / "novel.txt"
    path.write_text(NOVEL, encoding="utf-8")
    assert detect_format(numbered(NOVEL)) == "novel"
    parsed = parse_source(path)
    lines = list(parsed)
    assert parsed.format == "novel"
    assert Counter(line.kind for line in lines)[SPEECH] == 6
    table = scan_speakers(path)
    assert {s.key: s.lines for s in table} == {"mrs. holloway": 3, "mara": 2, "tobias": 1}


def test_options_cast_file_and_dropped_narration(tmp_path):
    cast = tmp_path / "cast.yaml"
    cast.write_text("- name: Mara Holloway\n  aliases: [Mara]\n  gender: F\n- name: Mrs. Holloway\n"
                    "- name: Tobias\n", encoding="utf-8")
    drops = Counter()
    lines = list(parse_lines(numbered(NOVEL), "novel", options=ParseOptions(cast=str(cast), keep_narration=False),
                             drops=drops))
    assert {line.speaker for line in lines if line.kind == SPEECH} == {"Mara Holloway", "Mrs. Holloway", "Tobias"}
    assert NARRATION not in {line.kind for line in lines}
    assert drops["narration"] == sum(line.kind == NARRATION for line in novel_lines(NOVEL)) > 0


def test_aliases_merge_discovered_names():
    lines = list(parse_lines(numbered(NOVEL), "novel", options=ParseOptions(aliases={"Tobias": "Toby"})))
    assert "Toby" in {line.speaker for line in lines if line.kind == SPEECH}


def test_a_novel_without_quotations_is_one_clear_error():
    text = "CHAPTER I.\n\nIt rained all day. Nobody spoke.\n\nThe end.\n"
    with pytest.raises(UserError, match="no quotations found"):
        list(parse_lines(numbered(text), "novel", source="quiet.txt"))
