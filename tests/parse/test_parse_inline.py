"""The inline format: `Name: line` tags, narration, breaks, actions, wrapped speeches."""

from characterkit.parse.inline import inline_tag, is_wrapped
from characterkit.records import BREAK, NARRATION, SPEECH


def speech(lines):
    return [(line.speaker, line.text) for line in lines if line.kind == SPEECH]


def kinds(lines):
    return [line.kind for line in lines]


def test_tags_with_and_without_space_titles_and_full_width_colon(parse):
    lines, _ = parse("Bob: hi\nAlice:hello\nMr. Pickwick: Good day.\nDuke of York: Hm.\n小明：你好\n", "inline")
    assert speech(lines) == [("Bob", "hi"), ("Alice", "hello"), ("Mr. Pickwick", "Good day."),
                             ("Duke of York", "Hm."), ("小明", "你好")]
    assert [line.lineno for line in lines] == [1, 2, 3, 4, 5]


def test_only_the_first_colon_can_end_a_tag():
    assert inline_tag("Bob: see http://x.org: it works") == ("Bob", "see http://x.org: it works")
    assert inline_tag("Bob: Note: this is one line") == ("Bob", "Note: this is one line")


def test_urls_times_and_sentences_are_not_tags():
    assert inline_tag("http://example.com is down") is None
    assert inline_tag("Visit https://example.com: now") is None
    assert inline_tag("At 12:30 we left the house") is None
    assert inline_tag("and then he said: go away") is None
    assert inline_tag("He told us this: the sea was calm") is None
    assert inline_tag("Note: bring the lamp") is None


def test_untagged_lines_are_narration_or_dropped(parse):
    text = "Mara: Hand me the rope.\nTobias laughs.\nTobias: Here.\n"
    lines, _ = parse(text, "inline")
    assert kinds(lines) == [SPEECH, NARRATION, SPEECH]
    assert lines[1].speaker is None and lines[1].text == "Tobias laughs."
    lines, drops = parse(text, "inline", keep_narration=False)
    assert kinds(lines) == [SPEECH, SPEECH]
    assert drops["narration"] == 1


def test_breaks_from_blank_runs_separators_and_headings(parse):
    text = ("A: one\n\nB: two\n\n\nA: three\n* * *\nB: four\n---\nA: five\nACT II\nB: six\n"
            "SCENE III. A room.\nA: seven\n")
    lines, _ = parse(text, "inline")
    assert kinds(lines) == [SPEECH, SPEECH, BREAK, SPEECH, BREAK, SPEECH, BREAK, SPEECH, BREAK, SPEECH,
                            BREAK, SPEECH]
    assert lines[-2].text == "SCENE III. A room."


def test_no_break_first_last_or_twice(parse):
    lines, _ = parse("* * *\n\n\nA: one\n---\n\n\n* * *\nB: two\n\n\n---\n", "inline")
    assert kinds(lines) == [SPEECH, BREAK, SPEECH]


def test_actions_kept_by_default_and_stripped_on_request(parse):
    text = "Mara: (sighs) Fine, *laughs* fine [Takes plate.] then.\nTobias: (shrugs)\n"
    lines, _ = parse(text, "inline")
    assert speech(lines)[0] == ("Mara", "(sighs) Fine, *laughs* fine [Takes plate.] then.")
    lines, drops = parse(text, "inline", strip_actions=True)
    assert speech(lines) == [("Mara", "Fine, fine then.")]
    assert drops["empty_after_strip_actions"] == 1


def test_a_tag_without_speech_is_dropped_and_counted(parse):
    lines, drops = parse("Mara: Hello.\nTobias:\nMara: Well?\n", "inline")
    assert speech(lines) == [("Mara", "Hello."), ("Mara", "Well?")]
    assert drops["empty_speech"] == 1


JOWETT = """\
There seem to be altogether three aims or interests in this little
Dialogue: (1) the dialectical development of the idea of piety.

PERSONS OF THE DIALOGUE: Socrates, Euthyphro.

SCENE: The Porch of the King Archon.


EUTHYPHRO: Why have you left the Lyceum, Socrates? and what are you
doing in the Porch of the King Archon?

SOCRATES: Not in a suit, Euthyphro; impeachment is the word which the
Athenians use.

EUTHYPHRO: What! I suppose that some one has been prosecuting you.
SOCRATES: Certainly not.
"""


def test_wrapped_speeches_continue_until_a_blank_line(parse):
    lines, _ = parse(JOWETT, "inline")
    assert speech(lines) == [
        ("EUTHYPHRO", "Why have you left the Lyceum, Socrates? and what are you doing in the Porch of the King Archon?"),
        ("SOCRATES", "Not in a suit, Euthyphro; impeachment is the word which the Athenians use."),
        ("EUTHYPHRO", "What! I suppose that some one has been prosecuting you."),
        ("SOCRATES", "Certainly not."),  # after a line that ends a sentence a tag starts a new turn
    ]
    # A wrapped line that begins like a tag stays inside its paragraph.
    assert lines[0].kind == NARRATION and "Dialogue: (1)" in lines[0].text
    assert [line.text for line in lines if line.kind == BREAK] == ["SCENE: The Porch of the King Archon."]


def test_one_utterance_per_line_files_are_not_wrapped(parse):
    dataset = "Mara: Kind?\nMara: Hand me the rope.\nTobias: Here.\nTobias laughs.\nMara: Thanks.\n"
    assert not is_wrapped(list(enumerate(dataset.splitlines(), 1)))
    assert is_wrapped(list(enumerate(JOWETT.splitlines(), 1)))
    lines, _ = parse(dataset, "inline")
    assert kinds(lines) == [SPEECH, SPEECH, SPEECH, NARRATION, SPEECH]


def test_a_cast_list_never_speaks(parse):
    text = "Dramatis Personae\n\nBob: a baker\nAlice: his wife\n\n\nBob: Good morning.\nAlice: Is it?\n"
    lines, drops = parse(text, "inline")
    assert speech(lines) == [("Bob", "Good morning."), ("Alice", "Is it?")]
    assert drops["cast_list"] == 3


def test_a_long_introduction_does_not_hide_wrapped_speeches(parse):
    introduction = "".join(f"Paragraph {n} of a long introduction, wrapped\nover two lines.\n\n" for n in range(3000))
    lines, _ = parse(introduction + JOWETT, "inline")
    assert speech(lines)[0] == (
        "EUTHYPHRO", "Why have you left the Lyceum, Socrates? and what are you doing in the Porch of the King Archon?")
