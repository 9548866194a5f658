"""One test per attribution rule and text rule, on short passages written for these tests."""

import re

import pytest

from characterkit.parse.novel.book import novel_lines
from characterkit.parse.novel.calibrate import confidence, fit
from characterkit.parse.novel.cast import Cast, Character, load_cast, scan_cast
from characterkit.parse.novel.eval import error_class
from characterkit.parse.novel.llm import _decided
from characterkit.parse.common import plain
from characterkit.parse.novel.matter import blank_matter
from characterkit.parse.novel.patterns import NAME, NARRATOR, narrator_name, speech_tag
from characterkit.parse.novel.quotes import as_line, join_pieces
from characterkit.parse.speakers import SpeakerTable
from characterkit.records import SPEECH


@pytest.mark.parametrize("opener", ["After", "When", "As", "Her", "They", "Therefore"])
def test_sentence_opening_words_are_no_names(opener):
    assert speech_tag(f" {opener} said.") is None
    assert speech_tag("", before=f"{opener} Oswin said, ").phrase == "Oswin"  # the name after it still counts


def test_a_title_joins_a_name_across_a_wrapped_line_but_never_a_paragraph_or_a_sentence():
    names = lambda text: [m.group(0) for m in re.finditer(NAME, text)]
    assert names("the King.\n\nThe White Rabbit put on his spectacles.")[:2] == ["the King", "The White Rabbit"]
    assert names("said the Queen. Alice looked up.") == ["the Queen", "Alice"]
    assert names("said Mr.\nBennet, and Dr. Grey") == ["Mr.\nBennet", "Dr. Grey"]


def test_of_inside_a_name_but_not_before_another_person():
    assert speech_tag(" said the Duchess of Monmouth.").phrase == "Duchess of Monmouth"
    assert speech_tag(" asked Grimwig of Mr. Brownlow, at the end of the meal.").phrase == "Grimwig"


@pytest.mark.parametrize("contraction", ["I’ll", "I'll", "We're", "Don’t", "It's", "Tis", "Twas"])
def test_contractions_are_no_names_but_names_with_apostrophes_are(contraction):
    assert speech_tag("", before=f"if she asks, {contraction} say ") is None
    assert speech_tag(" said O’Brien.").phrase == "O’Brien"


@pytest.mark.parametrize("verb", ["cooed", "uttered", "purred", "snarled"])
def test_a_broad_speech_verb_list(verb):
    tag = speech_tag(f" {verb} Wilhelmina, looking away.")
    assert tag is not None and (tag.kind, tag.phrase) == ("name", "Wilhelmina")


def test_an_adverb_after_a_description_keeps_its_gender():
    tag = speech_tag(" said the old man mildly.")
    assert (tag.kind, tag.phrase, tag.gender) == ("descriptor", "the old man", "M")


def test_a_bare_honorific_names_nobody_but_a_royal_title_does():
    assert speech_tag(" said Mrs.") is None
    assert speech_tag(" said the Queen.").phrase == "Queen"


def test_interjections_never_name_the_narrator():
    quotes = ["What, you again?", "Yes.", "What, at this hour?", "Yes.", "What, no coat?", "No."]
    tags = [None, _I(), None, _I(), None, _I()]
    assert narrator_name(quotes, tags) == NARRATOR
    quotes = ["Tell me, Alban, is it late?", "Yes.", "Come, Alban, sit.", "No.", "Alban, wait.", "Why?"]
    assert narrator_name(quotes, tags) == "Alban"


def _I():
    return speech_tag(" I said.")


def test_nicknames_link_to_the_one_character_they_can_name():
    cast = Cast([Character("Elizabeth Marlow", ["Elizabeth"], "F"), Character("Edward Marlow", ["Edward"], "M")])
    assert cast.get("Lizzy").name == "Elizabeth Marlow" and cast.get("Ned").name == "Edward Marlow"
    two = Cast([Character("Elizabeth Marlow", ["Elizabeth"], "F"), Character("Betsy Crane", [], "F")])
    assert two.get("Betsy").name == "Betsy Crane"  # a listed name beats a nickname
    assert Cast([Character("Oswin Hale")]).get("Lizzy") is None
    assert Cast([Character("Nancy", [], "F")]).get("Nance").name == "Nancy"  # a diminutive of a diminutive


def test_a_cast_file_extends_the_nickname_table(tmp_path):
    path = tmp_path / "cast.yaml"
    path.write_text("characters:\n  - name: Wilhelmina Fenn\n    gender: F\nnicknames:\n  Mina: Wilhelmina\n", encoding="utf-8")
    assert load_cast(path).get("Mina").name == "Wilhelmina Fenn"


def test_removing_a_speech_tag_leaves_sentences():
    assert join_pieces(["I guessed as much,", "But why now?"]) == "I guessed as much. But why now?"
    assert join_pieces(["Well,", "Oswin is here."]) == "Well, Oswin is here."  # a name may go on the sentence
    assert join_pieces(["The changes have begun,", "In most houses they do."]) == "The changes have begun. In most houses they do."
    assert as_line("lanterns and rope,") == "Lanterns and rope."  # the comma before `said Jo` ends the line
    assert as_line("Wait--") == "Wait--" and as_line("'tis late;") == "'tis late."  # an interruption stays


def test_front_and_back_matter_is_never_speech():
    text = ("CONTENTS\n\n\u201cWe sail at dawn\u201d                    12\n\n[Illustration: \u201cNot the lamp!\u201d]\n\n"
            "\u201cWe sail at dawn,\u201d said Oswin.\n")
    blanked, counts = blank_matter(text)
    assert len(blanked) == len(text) and counts == {"bracketed_matter": 1, "contents_line": 1}
    speech = [line for line in novel_lines(text, "n.txt") if line.kind == SPEECH]
    assert [line.text for line in speech] == ["We sail at dawn."]


def test_a_contents_page_without_page_numbers_is_blanked_and_names_nobody():
    contents = "".join(f"{n}.  {title}\n" for n, title in enumerate(
        ["The Harbour", "Oswin Sails", "Oswin Returns", "Mara's Lamp", "Mara Waits"], start=1))
    story = "".join('"The tide," said Oswin.\n\n"The lamp," said Mara.\n\n' for _ in range(3))
    text = "CONTENTS\n\n" + contents + "\n\nCHAPTER I.\n\n" + story
    blanked, counts = blank_matter(text)
    assert counts == {"contents_list": 1} and "Oswin Sails" not in blanked and blanked.count("said Oswin") == 3
    cast = scan_cast(text)
    assert sorted(c.name for c in cast) == ["Mara", "Oswin"]  # not 'Oswin Sails', which had swallowed Oswin


def test_gutenberg_italics_are_plain_words():
    assert plain("You _did_ say so, =twice=.") == "You did say so, twice."
    assert plain("snake_case_name stays") == "snake_case_name stays"


def test_a_lone_speech_tag_is_no_context_line():
    text = "\u201cIt is late.\u201d\n\n\u201cIt is,\u201d said Oswin.\n\nThe fire went out.\n"
    narration = [line.text for line in novel_lines(text, "n.txt") if line.kind != SPEECH]
    assert narration == ["The fire went out."]


def test_confidence_is_the_measured_precision_of_the_most_specific_cell():
    records = [("turn-taking:agree-1-s2", "given", True)] * 90 + [("turn-taking:agree-1-s2", "given", False)] * 10 \
        + [("turn-taking:odd-1-s3", "given", False)] * 60 + [("turn-taking:odd-1-s3", "given", True)] * 40
    table = fit(records)
    sure, unsure = confidence("turn-taking:agree-1-s2", "given", 0.0, table), confidence("turn-taking:odd-1-s3", "given", 0.0, table)
    assert 0.8 < sure < 0.9 and 0.4 < unsure < 0.5  # each cell near its own rate, pulled toward the rule's
    assert confidence("turn-taking:even-2-s2", "given", 0.0, table) == table["turn-taking@given"]  # unseen: the parent
    assert confidence("explicit:after", "discovered", 0.33, table) == 0.33  # nothing measured: the fallback


def test_the_llm_never_lifts_a_line_over_the_cut_off():
    from dataclasses import dataclass

    @dataclass
    class Spoken:
        speaker: str
        confidence: float
        rule: str

    agrees = _decided(Spoken("Oswin", 0.6, "turn-taking"), "Oswin", below=0.9)
    alone = _decided(Spoken("Oswin", 0.6, "turn-taking"), "Mina", below=0.9)
    assert agrees.confidence < 0.9 and alone.confidence < 0.9 and alone.speaker == "Mina"


def test_speakers_count_the_lines_kept_at_the_cut_off():
    table = SpeakerTable()
    table.add("Oswin", lines=1, kept=1)
    table.add("Oswin", lines=1, kept=0)
    assert table.rows()[0]["lines"] == 2 and table.rows()[0]["kept"] == 1
    assert "kept" in table.format_table().splitlines()[0]


@pytest.mark.parametrize("kind,key,predicted,cls", [
    ("implicit", "turn-taking:odd-1-s2", "A", "implicit"), ("anaphoric", "anaphoric", "A", "anaphoric"),
    ("explicit", "unattributed", None, "no-speaker"), ("implicit", "narrator:after", "A", "narrator"),
    ("explicit", "explicit:after", "A", "explicit-wrong")])
def test_errors_fall_in_the_issue_classes(kind, key, predicted, cls):
    assert error_class(kind, key, predicted) == cls


def _speakers(text, cast):
    from characterkit.parse.novel.book import analyse

    spoken, _ = analyse(text, cast)
    return [(s.speaker, s.rule) for s in spoken]


CAST = Cast([Character("Oswin Hale", ["Oswin"], "M"), Character("Mina Fenn", ["Mina"], "F"), Character("Tobias Crane", ["Tobias"], "M")])


def test_the_narration_that_opens_a_scene_names_who_she_is():
    text = ("CHAPTER I.\n\nMina Fenn came down the stairs with a lamp, and the house was cold and still.\n\n"
            "\u201cIs anyone awake?\u201d she called.\n")
    assert _speakers(text, CAST)[0][0] == "Mina Fenn"


def test_an_addressee_named_in_narration_does_not_answer_himself():
    text = ("Tobias looked at the window, and said to Oswin:\n\n\u201cThe snow is deep.\u201d\n\n"
            "\u201cToo deep to walk,\u201d said Oswin.\n\n\u201cThen we wait.\u201d\n")
    spoken = _speakers(text, CAST)
    assert spoken[0][0] == "Tobias Crane" and spoken[1][0] == "Oswin Hale"
    assert spoken[2][0] == "Tobias Crane"  # Oswin was spoken to; the turn goes back to Tobias
