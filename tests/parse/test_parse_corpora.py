"""Golden tests on the public-domain corpora in ../shared/corpora (skipped when absent).

Expected figures are counted here from each raw file's own structure, independently of the parser.
"""

import re
from collections import Counter

import pytest

from characterkit.parse import parse_source, scan_speakers
from characterkit.records import NARRATION, SPEECH

pytestmark = pytest.mark.corpora


def raw_lines(path):
    return path.read_text(encoding="utf-8-sig").splitlines()


def test_tiny_shakespeare_speech_blocks(corpora):
    path = corpora / "tinyshakespeare" / "input.txt"
    raw = raw_lines(path)
    # A speech block: a line ending in ':' after a blank line (or first), with text right under it.
    tags = [i for i, text in enumerate(raw) if text.endswith(":") and (i == 0 or not raw[i - 1])
            and i + 1 < len(raw) and raw[i + 1]]
    expected = Counter(" ".join(raw[i][:-1].split()).casefold() for i in tags)  # "LADY  CAPULET" is one name

    lines = list(parse_source(path))
    speech = [line for line in lines if line.kind == SPEECH]
    assert len(speech) == len(tags)
    assert [line.lineno for line in speech] == [i + 1 for i in tags]  # 1-based, the tag's line
    assert Counter(line.speaker.casefold() for line in speech) == expected
    assert speech[0].speaker == "First Citizen"
    assert speech[0].text == "Before we proceed any further, hear me speak."
    for name in ("GLOUCESTER", "ROMEO", "JULIET", "First Citizen", "Time"):
        assert sum(line.speaker == name for line in speech) == expected[name.casefold()]


def test_earnest_speakers_persons_list_and_stage_directions(corpora):
    path = corpora / "plays" / "importance-of-being-earnest_pg844_2025-utf8.txt"
    raw = raw_lines(path)
    tag_counts = Counter(text[:-1] for text in raw if re.fullmatch(r"[A-Z][A-Z ]+\.", text) and len(text) < 20
                         and text not in ("DAMAGE.",))

    table = scan_speakers(path)
    assert table.formats[str(path)] == "ownline"
    assert table.to_dict() == dict(tag_counts.most_common())
    for name in ("ALGERNON", "JACK", "LANE"):
        assert table.resolve(name.title()) == name
    # The persons list ("John Worthing, J.P.", "Lane: Mr. F. Kinsey Peile.") is skipped, not spoken.
    assert table.drops["cast_list"] > 0
    assert "John Worthing, J.P." not in table.to_dict()

    lines = list(parse_source(path))
    directions = [line.text for line in lines if line.kind == NARRATION]
    assert "[Enter Lane.]" in directions
    assert any(line.kind == SPEECH and line.text == "Yes, sir. [Hands them on a salver.]" for line in lines)

    parsed = parse_source(path, keep_stage_directions=False, strip_actions=True, aliases={"Jack": "John Worthing"})
    stripped = list(parsed)
    assert not [line for line in stripped if line.kind == NARRATION]
    assert parsed.drops["stage_direction"] == len(directions)
    assert any(line.text == "Yes, sir." and line.speaker == "LANE" for line in stripped)
    assert sum(line.speaker == "John Worthing" for line in stripped) == tag_counts["JACK"]


def test_romeo_and_juliet_tags_dramatis_personae_and_asides(corpora):
    path = corpora / "plays" / "romeo-and-juliet_pg1513_modern-utf8.txt"
    raw = raw_lines(path)
    persons = raw.index(" Dramatis Personæ")
    prologue = raw.index("THE PROLOGUE", persons)
    end = next(i for i, text in enumerate(raw) if text.startswith("*** END OF"))
    tags = {i + 1: raw[i][:-1] for i in range(prologue, end)
            if re.fullmatch(r"[A-Z][A-Z ’']+\.", raw[i]) and not raw[i - 1]}

    lines = list(parse_source(path))
    speech = {line.lineno: line.speaker for line in lines if line.kind == SPEECH}
    # Every tag alone on its line opens a speech by that speaker...
    assert {lineno: speech.get(lineno) for lineno in tags} == tags
    # ...and the list of persons (ESCALUS, CHORUS., Servants.) never speaks.
    assert not [lineno for lineno in speech if persons < lineno <= prologue]
    assert "ESCALUS" not in speech.values()
    # The indented ` Enter ...` and `[_Exit._]` lines are directions, not speech.
    assert "Enter Sampson and Gregory armed with swords and bucklers." in [
        line.text for line in lines if line.kind == NARRATION]


@pytest.mark.parametrize("name, speakers, first", [
    ("euthyphro-jowett_pg1642_2008-ascii-crlf.txt", {"EUTHYPHRO", "SOCRATES"},
     "Why have you left the Lyceum, Socrates? and what are you doing in the Porch of the King Archon? "
     "Surely you cannot be concerned in a suit before the King, like myself?"),
    ("crito-jowett_pg1657_1990s-etext-smallprint.txt", {"SOCRATES", "CRITO"},
     "Why have you come at this hour, Crito? it must be quite early."),
])
def test_jowett_dialogues_with_wrapped_inline_speeches(corpora, name, speakers, first):
    path = corpora / "plays" / name
    raw = raw_lines(path)
    expected = Counter(text.split(":")[0] for text in raw if re.match(r"(SOCRATES|EUTHYPHRO|CRITO):", text))

    parsed = parse_source(path)
    speech = [line for line in parsed if line.kind == SPEECH]
    assert parsed.format == "inline"
    assert {line.speaker for line in speech} == speakers
    assert Counter(line.speaker for line in speech) == expected
    assert speech[0].text == first
    # The introduction stays narration: "Socrates proceeds:--" and a wrapped "Dialogue: (1)" are not tags.
    assert all(line.text and "\n" not in line.text for line in speech)
