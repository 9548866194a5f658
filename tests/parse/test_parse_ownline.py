"""The ownline format: plays with the tag alone on its line, stage directions, lists of persons."""

from characterkit.parse.ownline import ownline_tag
from characterkit.records import BREAK, NARRATION, SPEECH


def speech(lines):
    return [(line.speaker, line.text) for line in lines if line.kind == SPEECH]


def test_colon_tags_join_the_speech_lines_with_a_space(parse):
    text = "First Citizen:\nBefore we proceed any further,\nhear me speak.\n\nAll:\nSpeak, speak.\n"
    lines, _ = parse(text, "ownline")
    assert speech(lines) == [("First Citizen", "Before we proceed any further, hear me speak."),
                             ("All", "Speak, speak.")]
    assert [line.lineno for line in lines] == [1, 5]


def test_capital_period_tags_and_stage_directions(parse):
    text = ("[Lane is arranging afternoon tea on the table, and after the music has\nceased, Algernon enters.]\n\n"
            "ALGERNON.\nDid you hear what I was playing, Lane?\n\n[Enter Lane.]\n\n"
            "LANE.\nYes, sir. [Hands them on a salver.]\n\n  Exit Lane.\n")
    lines, _ = parse(text, "ownline")
    assert [(line.kind, line.speaker) for line in lines] == [
        (NARRATION, None), (SPEECH, "ALGERNON"), (NARRATION, None), (SPEECH, "LANE"), (NARRATION, None)]
    assert lines[0].text == ("[Lane is arranging afternoon tea on the table, and after the music has "
                             "ceased, Algernon enters.]")
    assert lines[3].text == "Yes, sir. [Hands them on a salver.]"  # inline actions stay by default

    lines, drops = parse(text, "ownline", keep_stage_directions=False, strip_actions=True)
    assert [(line.kind, line.text) for line in lines] == [
        (SPEECH, "Did you hear what I was playing, Lane?"), (SPEECH, "Yes, sir.")]
    assert drops["stage_direction"] == 3


def test_only_known_tags_interrupt_a_speech():
    assert ownline_tag("KING RICHARD III:") == "KING RICHARD III"
    assert ownline_tag("Second murderer:") == "Second murderer"
    assert ownline_tag("LADY  CAPULET.") == "LADY CAPULET"
    assert ownline_tag("Exit.") is None  # mixed case with a period is a sentence
    assert ownline_tag(" ROMEO.") is None  # indented: a direction, never a tag
    assert ownline_tag("Before we proceed any further, hear me speak:") is None


def test_verse_lines_that_look_like_tags_stay_in_the_speech(parse):
    text = "BRUTUS:\nCome:\nAll:\n\nPETER:\nI.\n\nBRUTUS:\nWe go.\nPETER:\nAnd I.\n"
    lines, _ = parse(text, "ownline")
    # `Come:` and `I.` never opened a paragraph; `All:` did not either; `PETER:` did, so it interrupts.
    assert speech(lines) == [("BRUTUS", "Come: All:"), ("PETER", "I."), ("BRUTUS", "We go."), ("PETER", "And I.")]


def test_headings_are_breaks_and_empty_speeches_are_counted(parse):
    text = ("FIRST ACT\n\n\nSCENE\n\nMorning-room.\n\nALGERNON.\nHello.\n\nTITUS:\n\n"
            "ACT DROP\n\n\n\nSECOND ACT\n\nJACK.\nGoodbye.\n")
    lines, drops = parse(text, "ownline")
    assert [line.kind for line in lines] == [NARRATION, SPEECH, BREAK, SPEECH]
    assert drops["empty_speech"] == 1


def test_the_dramatis_personae_never_speaks(parse):
    text = (" Dramatis Personæ\n\nESCALUS, Prince of Verona.\nCHORUS.\nThree Musicians.\nAn Officer.\n\n\n\n"
            "THE PROLOGUE\n\n Enter Chorus.\n\nCHORUS.\nTwo households, both alike in dignity,\n")
    lines, drops = parse(text, "ownline")
    assert speech(lines) == [("CHORUS", "Two households, both alike in dignity,")]
    assert drops["cast_list"] == 5


def test_a_plain_paragraph_after_an_aside_continues_the_interrupted_speech(parse):
    text = ("LADY CAPULET.\nWe follow thee.\n\n [_Exit Servant._]\n\nJuliet, the County stays.\n\n"
            "NURSE.\nGo, girl.\n\nTABLEAU\n")
    lines, _ = parse(text, "ownline")
    assert [(line.kind, line.speaker, line.text) for line in lines] == [
        (SPEECH, "LADY CAPULET", "We follow thee."),
        (NARRATION, None, "[Exit Servant.]"),
        (SPEECH, "LADY CAPULET", "Juliet, the County stays."),
        (SPEECH, "NURSE", "Go, girl."),
        (NARRATION, None, "TABLEAU"),  # right after a speech, with no aside between: a direction
    ]


def test_a_capitals_tag_may_carry_its_speech_on_the_same_line(parse):
    text = "PETER.\nAnon.\n\nROMEO. Nurse, commend me to thy lady\nand mistress.\n"
    lines, _ = parse(text, "ownline")
    assert speech(lines) == [("PETER", "Anon."), ("ROMEO", "Nurse, commend me to thy lady and mistress.")]


def test_gutenberg_italics_marks_are_not_text(parse):
    text = "ROMEO.\nI go, _I go_. [_Exit._]\n\n[_Enter Nurse._]\n\nNURSE.\nMadam!\n"
    lines, _ = parse(text, "ownline")
    assert [line.text for line in lines] == ["I go, I go. [Exit.]", "[Enter Nurse.]", "Madam!"]
