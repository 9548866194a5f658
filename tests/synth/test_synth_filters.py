"""Filters: each reason fires on its own case and not on a good text; duplicates keep the first."""

import pytest

from characterkit.errors import UserError
from characterkit.synth.filters import REASONS, Candidate, FilterSettings, filter_candidates, jaccard

STORY = ("The keeper climbed the stairs of the lighthouse at dusk, counting the steps as his father had. "
         "Below him the sea worked at the rocks, patient and grey, and the gulls settled on the rail. "
         "He lit the lamp, wrote the hour in the log, and sat down to wait for the boat that never came.")
OTHER = ("Mara sold fish in the harbour market every morning, shouting prices over the bells of the church. "
         "On the day the stranger came she sold nothing at all, because she could not stop watching him "
         "walk from stall to stall with a map that showed a coast nobody in the town had ever seen.")


def judge(text, finish_reason="stop", values=None, **settings):
    """The reason `text` is dropped (None: kept) under FilterSettings(min_chars=0, **settings)."""
    settings = FilterSettings(**{"min_chars": 0, **settings})
    candidate = Candidate("c1", "Write a story.", text, finish_reason, values or {})
    _, rejected, _ = filter_candidates([candidate], settings)
    return rejected[0][1] if rejected else None


def test_a_good_story_passes_every_filter():
    assert judge(STORY, min_chars=100, max_chars=1000, ban_phrases=["dragon"], reject_regex=r"\bTHE END\b",
                 require_regex=r"lighthouse", require_slots=["place"], values={"place": "Lighthouse"}) is None


@pytest.mark.parametrize("text, settings, reason", [
    ("   \n ", {}, "empty"),
    ("I'm sorry, but I can't write that story.", {}, "refusal"),
    ("I cannot help with that.", {}, "refusal"),
    ("The keeper, as an AI language model, cannot feel the cold.", {}, "refusal"),
    ("Sure! Here is a story about a lighthouse.\n\n" + STORY, {}, "off_task"),
    ("Here is a short story:\n" + STORY, {}, "off_task"),
    ("Title: The Keeper\n\n" + STORY, {}, "off_task"),
    (STORY + "\n\nI hope you enjoyed this story!", {}, "off_task"),
    (STORY, {"ban_phrases": ["SEA WORKED"]}, "banned_phrase"),
    (STORY, {"min_chars": 1000}, "too_short"),
    (STORY, {"max_chars": 100}, "too_long"),
    (STORY, {"reject_regex": r"\bgulls?\b"}, "regex_rejected"),
    (STORY, {"require_regex": r"^Once upon a time"}, "regex_not_matched"),
])
def test_each_reason(text, settings, reason):
    assert judge(text, **settings) == reason


def test_stories_may_open_with_words_that_look_like_chatter():
    for opening in ("Sure enough, the boat came. ", "Here is where it ended. ", "Certainly not, said the keeper. "):
        assert judge(opening + STORY) is None


def test_a_blank_prompt_is_dropped():
    _, rejected, drops = filter_candidates([Candidate("c1", " \n", STORY)], FilterSettings(min_chars=0))
    assert drops == {"empty_prompt": 1}


def test_a_cut_off_completion_is_dropped():
    assert judge(STORY, finish_reason="length") == "cut_off"


def test_a_required_slot_value_must_appear_in_any_case():
    assert judge(STORY, require_slots=["place"], values={"place": "a harbour"}) == "missing_slot_value"
    assert judge(STORY, require_slots=["place"], values={"place": "LIGHTHOUSE"}) is None


def test_duplicates_and_near_duplicates_keep_the_first_good_one():
    near = STORY.replace("at dusk", "at dawn")
    candidates = [Candidate("a", "p", "Sure! " + STORY),           # rejected: must not shadow the next
                  Candidate("b", "p", STORY),
                  Candidate("c", "p", STORY.upper() + "  "),       # same words, other case and spacing
                  Candidate("d", "p", near),
                  Candidate("e", "p", OTHER)]
    kept, rejected, drops = filter_candidates(candidates, FilterSettings(min_chars=0, near_duplicate=0.8))
    assert [c.id for c in kept] == ["b", "e"]
    assert [(c.id, reason) for c, reason in rejected] == [
        ("a", "off_task"), ("c", "duplicate"), ("d", "near_duplicate")]
    assert drops == {"off_task": 1, "duplicate": 1, "near_duplicate": 1}
    assert set(drops) <= set(REASONS)


def test_near_duplicate_threshold_follows_the_jaccard_similarity():
    near = STORY.replace("at dusk", "at dawn")
    similarity = jaccard(STORY, near)
    assert 0.8 < similarity < 1.0 and jaccard(STORY, OTHER) < 0.05
    for threshold, kept in ((similarity - 0.01, 1), (similarity + 0.01, 2), (1.0, 2)):
        result, _, _ = filter_candidates([Candidate("a", "p", STORY), Candidate("b", "p", near)],
                                         FilterSettings(min_chars=0, near_duplicate=threshold))
        assert len(result) == kept, threshold


@pytest.mark.parametrize("settings, flag", [
    ({"min_chars": -1}, "--min-chars"),
    ({"min_chars": 500, "max_chars": 100}, "--max-chars"),
    ({"near_duplicate": 0}, "--near-duplicate"),
    ({"reject_regex": "("}, "--reject-regex"),
    ({"require_regex": "[a-"}, "--require-regex"),
])
def test_bad_settings_fail_at_start(settings, flag):
    with pytest.raises(UserError, match=flag):
        FilterSettings(**settings)


def test_require_slot_must_name_a_slot():
    with pytest.raises(UserError, match="'plac'.*slots: genre, place"):
        FilterSettings(require_slots=["plac"]).check_slots({"genre": [], "place": []})
