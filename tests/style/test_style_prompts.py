"""Paraphrase templates (presets and files, checked before any call) and reading the reply."""

import pytest

from characterkit.errors import UserError
from characterkit.style.passages import Passage
from characterkit.style.prompts import load_template, parse_reply, presets

PASSAGE = Passage(id="p1", chapter=1, text="The fog came in the night.", type="description")


def test_presets_render_system_and_user_messages():
    assert {"plain", "ai-text"} <= set(presets())
    plain = load_template("plain").messages(PASSAGE, author="Ada Winter")
    assert [m.role for m in plain] == ["system", "user"]
    assert PASSAGE.text in plain[1].content and "(6 words)" in plain[1].content
    assert "Tone:" in plain[0].content
    assert "AI-generated" in load_template("ai-text").messages(PASSAGE, author="Ada Winter")[0].content


def test_a_template_file_with_placeholders(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("user: 'Rewrite this {type} by {author} ({{literally}}): {text}'\n")
    (message,) = load_template(str(path)).messages(PASSAGE, author="Ada Winter")
    assert message.content == "Rewrite this description by Ada Winter ({literally}): The fog came in the night."


@pytest.mark.parametrize("content, complaint", [
    ("user: 'Rewrite {passage}'\n", "unknown placeholder {passage}"),
    ("user: 'Rewrite {text'\n", "`user`"),
    ("system: 'Be brief.'\n", "`user` text"),
    ("user: 'Rewrite it.'\n", "must contain {text}"),
    ("user: [unclosed\n", "not valid YAML"),
])
def test_an_invalid_template_names_the_file(tmp_path, content, complaint):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(UserError) as err:
        load_template(str(path))
    assert str(path) in str(err.value) and complaint in str(err.value)


def test_an_unknown_preset_lists_the_presets():
    with pytest.raises(UserError, match="plain"):
        load_template("fancy")


@pytest.mark.parametrize("reply, tone, text", [
    ("Tone: Gloomy\nThe fog came at night.", "Gloomy", "The fog came at night."),
    ("**Tone:** calm and quiet\n\nThe sea was still.", "calm and quiet", "The sea was still."),
    ("tone - Tense\nShe ran.", "Tense", "She ran."),
    ("The fog came at night.", "", "The fog came at night."),
])
def test_the_tone_line_is_taken_off_the_reply(reply, tone, text):
    assert parse_reply(reply) == (tone, text)


@pytest.mark.parametrize("reply, tone, text", [
    ("The sea was still.\nTone: Calm", "Calm", "The sea was still."),  # some models put it last
    ("Tone: Calm", "", "Tone: Calm"),  # a tone line alone is no paraphrase: validation rejects it
])
def test_a_tone_line_at_the_end_is_taken_off_too(reply, tone, text):
    assert parse_reply(reply) == (tone, text)


@pytest.mark.parametrize("answer, tone", [
    ("Melancholic.", "Melancholic"),
    ("The tone of this passage is calm and reflective.", "calm and reflective"),
    ("Tone: **Eerie**\nThe fog hides everything.", "Eerie"),
    ("Nostalgic, with a hint of hope", "Nostalgic"),
    ("", ""),
])
def test_the_separate_tone_answer_is_cut_to_its_words(answer, tone):
    from characterkit.style.prompts import parse_tone_answer

    assert parse_tone_answer(answer) == tone


def test_a_template_tone_question_must_contain_the_passage(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("user: 'Rewrite: {text}'\ntone: 'Which tone?'\n")
    with pytest.raises(UserError, match="the `tone` template must contain {text}"):
        load_template(str(path))
