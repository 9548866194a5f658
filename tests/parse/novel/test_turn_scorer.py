"""The turn scorer: the facts it reads off a scene for each candidate, and how it chooses."""

from dataclasses import dataclass

from characterkit.parse.novel import Cast, Character, analyse
from characterkit.parse.novel.turn_scorer import FEATURES, TurnScorer, fit

MARA, TOBIAS, FINCH = Character("Mara", [], "F"), Character("Tobias", [], "M"), Character("Mr. Finch", [], "M")


@dataclass
class Guess:
    who: object


def scene(*speakers):
    return [Guess(w) for w in speakers]


def test_candidates_are_the_scenes_speakers_with_the_facts_of_each():
    # turns: 0 Mara (decided), 1 Tobias (decided), 2 ? , 3 Mara (decided)
    guesses = scene(MARA, TOBIAS, MARA, MARA)
    votes = {"before": (MARA, 1), "after": (TOBIAS, 1)}
    scorer = TurnScorer({MARA: 0.6, TOBIAS: 0.1}, weights=None)
    options = dict(scorer.candidates(2, [0, 1, 3], guesses, votes, called=[], called_before=[TOBIAS],
                                     named=([MARA], [TOBIAS, MARA])))
    assert list(options) == [TOBIAS, MARA]  # the latest before first
    tobias, mara = options[TOBIAS], options[MARA]
    assert set(tobias) == set(FEATURES)
    assert tobias["vote_after_1"] == 1 and tobias["vote_before_1"] == 0 and tobias["called_before"] == 1
    assert tobias["last_before_1"] == 1 and tobias["spoke_turn_before"] == 1 and tobias["share"] == 0.1
    assert mara["vote_before_1"] == 1 and mara["last_before_2"] == 1 and mara["first_after_1"] == 1
    assert mara["spoke_two_turns_before"] == 1 and mara["speaks_turn_after"] == 1 and mara["lead"] == 1
    assert tobias["vote_before_crowd"] == 0  # two voices: no crowd
    assert (mara["named_in_turn"], mara["named_in_turn_before"], tobias["named_in_turn"]) == (1, 1, 0)


def test_a_name_the_turn_calls_is_never_its_speaker():
    guesses = scene(MARA, TOBIAS, None, FINCH)
    options = TurnScorer({}, weights=None).candidates(2, [0, 1, 3], guesses, {}, called=[MARA], called_before=[])
    assert [who for who, _ in options] == [TOBIAS, FINCH]


def test_the_highest_weighted_sum_speaks_and_no_weights_choose_nobody():
    guesses = scene(MARA, TOBIAS, None, TOBIAS)
    votes = {"before": (MARA, 1), "after": (MARA, 1)}
    args = (2, [0, 1, 3], guesses, votes, [], [TOBIAS])
    assert TurnScorer({}, weights={"vote_before_1": 1.0, "vote_after_1": 1.0}).choose(*args, first_quote=7) is MARA
    record = []
    assert TurnScorer({}, weights={"called_before": 5.0}, record=record).choose(*args, first_quote=7) is TOBIAS
    assert record[0][0] == 7 and [who for who, _ in record[0][1]] == [TOBIAS, MARA]
    assert TurnScorer({}, weights=None).choose(*args, first_quote=7) is None


def test_fit_learns_the_fact_that_marks_the_speaker():
    def row(**on):
        return {k: float(on.get(k, 0)) for k in FEATURES}
    examples = [([row(called_before=1), row(speaks_turn_after=1)], 0)] * 30 + [([row(), row(speaks_turn_after=1)], 0)] * 10
    weights = fit(examples)
    assert weights["called_before"] > 0 > weights["speaks_turn_after"]
    assert weights["share"] == 0  # never differs between candidates: nothing to learn


def test_attribution_records_the_turns_it_scored():
    cast = Cast([MARA, TOBIAS])
    text = ('"Is the coach ready?" asked Tobias.\n\n"Not yet," said Mara.\n\n"Then we wait."\n\n'
            '"We wait," said Mara.\n')
    record = []
    spoken, _ = analyse(text, cast, record=record)
    assert [s.speaker for s in spoken] == ["Tobias", "Mara", "Tobias", "Mara"]
    assert [first for first, _ in record] == [2]
    assert {who.name for who, _ in record[0][1]} == {"Tobias", "Mara"}
