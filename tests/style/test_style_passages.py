"""Novel text -> passages: cleaning, chapters, beats, types, ids, drop counts."""

import pytest

from characterkit.style.passages import passage_type, split_passages

NOVEL = """\
THE BOOK OF TESTS

CONTENTS

  I.  The First
  II. The Second


CHAPTER I.

The First Chapter Title

The first paragraph of the story is hard-wrapped
over three lines, as Project Gutenberg texts
are, and must come out as a single line.

[Illustration: A picture

   spanning blank lines [_with a nested note_]]

"Is this the second paragraph?" asked Anna. "It is," said Ben, "and it is mostly speech."

Short one.

[Transcriber's Note: a typo was fixed here.]

CHAPTER II.

The mountain stood grey and silent above the valley. Snow lay upon its shoulders all the year round.

He climbed it slowly, and she followed him, though they both knew the path was dangerous for them.
"""


def test_cleaning_chapters_and_drops():
    passages, drops = split_passages(NOVEL, min_words=5)
    texts = [p.text for p in passages]
    assert texts[0] == ("The first paragraph of the story is hard-wrapped over three lines, as Project "
                        "Gutenberg texts are, and must come out as a single line.")
    assert not any("Illustration" in t or "Transcriber" in t or "CHAPTER" in t or "Title" in t for t in texts)
    assert [p.chapter for p in passages] == [1, 1, 2, 2]
    assert drops == {"illustration": 1, "transcriber_note": 1, "heading": 3, "front_matter": 3, "too_short": 1}


def test_types_follow_the_share_of_quoted_text():
    passages, _ = split_passages(NOVEL, min_words=5)
    assert [p.type for p in passages] == ["description", "dialogue", "description", "narration"]
    assert passage_type("She said 'yes' and left the room without another word to anyone at all.") == "mixed"
    assert passage_type("‘Curly single quotes,’ said Alice, ‘are speech too.’") == "dialogue"
    assert passage_type("`Backticks,' said the 1990s etext, `open speech.'") == "dialogue"
    assert passage_type("He couldn't; the goblins' caves weren't his.") == "narration"  # apostrophes, no speech


def test_beats_merge_paragraphs_within_a_chapter_only():
    passages, _ = split_passages(NOVEL, min_words=5, beats=30)
    assert [p.chapter for p in passages] == [1, 2]
    assert passages[0].text.count("\n\n") == 2  # three paragraphs of chapter I in one beat
    assert passages[1].text.startswith("The mountain") and "He climbed" in passages[1].text
    assert all(p.words >= 30 for p in passages)


def test_ids_are_stable_and_unique_even_for_repeated_text():
    text = "CHAPTER 1\n\n" + "\n\n".join(["The same refrain comes back again and again in this song."] * 3)
    passages, _ = split_passages(text)
    ids = [p.id for p in passages]
    assert len(set(ids)) == 3 and ids[1] == ids[0] + "-2"
    assert [p.id for p in split_passages(text)[0]] == ids


def test_a_book_without_headings_keeps_everything_as_chapter_zero():
    passages, drops = split_passages("One paragraph with enough words to pass the filter.\n\nAnother one, also long enough here.",
                                     min_words=5)
    assert [p.chapter for p in passages] == [0, 0] and "front_matter" not in drops


@pytest.mark.corpora
def test_a_real_gutenberg_novel(corpora):
    from characterkit.io import read_text

    text, _ = read_text(corpora / "gutenberg-novels" / "princess-and-the-goblin_pg708_2008-ascii-crlf.txt")
    passages, drops = split_passages(text)
    assert max(p.chapter for p in passages) == 32
    assert passages[0].text.startswith("There was once a little princess")
    assert not any("Gutenberg" in p.text or p.text.startswith("CHAPTER") for p in passages)
    assert all(p.words >= 10 and "\n" not in p.text for p in passages)
    assert {"dialogue", "narration"} <= {p.type for p in passages}
    assert drops["heading"] == 64  # 32 numbers + 32 titles
