"""Paraphrase validation: one named reason per failure, configurable and extendable."""

import pytest

from characterkit.errors import UserError
from characterkit.style.validate import ValidationRules, check_paraphrase

ORIGINAL = "The fog came in the night, as fogs do in that part of the world, without a sound or a warning."
GOOD = "The fog rolled in overnight, silently and with no warning, the way it does up there."


@pytest.mark.parametrize("paraphrase, reason", [
    (GOOD, None),
    ("   ", "empty"),
    ("I'm sorry, but I can't help with rewriting this passage today.", "refusal"),
    ("Here is the paraphrase: the fog rolled in overnight, silently, with no warning at all.", "talks_about_task"),
    ("### Paraphrased Text\nThe fog rolled in overnight, silently, with no warning.", "talks_about_task"),
    ("The fog rolled in overnight. [Note: I kept the meaning.] It made no sound at all.", "talks_about_task"),
    ("Sure, the fog rolled in overnight, silently and with no warning, the way it does.", "talks_about_task"),
    ('The fog rolled in overnight. "I have never seen such fog," she said, without a warning.', "invented_dialogue"),
    ("The fog rolled in overnight, silently.\n\nIt came with no warning, the way it does.", "extra_paragraphs"),
    (ORIGINAL.upper(), "identical"),
    ("Fog came.", "too_short"),
    (" ".join([GOOD] * 3), "too_long"),
])
def test_each_failure_has_its_reason(paraphrase, reason):
    assert check_paraphrase(ORIGINAL, paraphrase, ValidationRules()) == reason


def test_a_phrase_that_is_in_the_original_is_not_task_talk():
    original = '"Here is the key," said Mara, and she put it into his hand without another word.'
    paraphrase = '"Here is the key," Mara said, handing it over to him without saying anything else.'
    assert check_paraphrase(original, paraphrase, ValidationRules()) is None


def test_a_passage_of_several_paragraphs_may_keep_them():
    original = "First paragraph of the beat, with some words.\n\nSecond paragraph, with some more words."
    assert check_paraphrase(original, "The first part, in other words.\nThe second part, said again.",
                            ValidationRules()) is None


def test_ratios_and_phrases_are_configurable():
    rules = ValidationRules(min_ratio=0.05, max_ratio=5.0, extra_phrases=["In summary"])
    assert check_paraphrase(ORIGINAL, "Fog came.", rules) is None
    assert check_paraphrase(ORIGINAL, "In summary, the fog came in the night without a sound.", rules) == "talks_about_task"
    with pytest.raises(UserError, match="--min-ratio"):
        ValidationRules(min_ratio=2.0, max_ratio=1.0)


def test_dialogue_in_the_original_may_stay_dialogue():
    original = '"The fog is coming," said Mara, and she lit the lamp early that night without a word.'
    paraphrase = '“Fog\'s on its way,” Mara said, and she lit the lamp early that night, silently.'
    assert check_paraphrase(original, paraphrase, ValidationRules()) is None
