"""`eval`'s fidelity half: other speakers' held-out loss, the speaker classifier, the yes/no test.

The end-to-end test prepares the bundled transcript with the real `prepare dialogue` (so report.json
names a real source), trains a tiny LoRA for a few steps and evaluates it: the figures of a tiny model
mean nothing, so it checks their presence and range; the parts are tested on text we choose.
"""

import json

import pytest

from characterkit.chat.engine import GenerationSettings
from characterkit.cli import main
from characterkit.data import sample_transcript_path
from characterkit.train.classifier import EMPTY, OTHERS, SpeakerClassifier
from characterkit.train.held_out import SourceLines
from characterkit.train.yes_no import parse_answer, prompt_for, score


@pytest.fixture
def prepared(home):
    """datasets/Mara from the bundled transcript, a third of it held out."""
    assert main(["prepare", "dialogue", str(sample_transcript_path()), "-n", "Mara", "--val-ratio", "0.3",
                 "--formats", "processed_dataset"]) == 0
    return home / "datasets" / "Mara"


def test_eval_json_has_fidelity_and_general_figures_in_range(prepared, home, capsys):
    assert main(["finetune", "-m", "tiny", "-d", "Mara", "--max-steps", "10", "--lr", "1e-2",
                 "--target-modules", "all-linear", "--save-steps", "0"]) == 0
    assert main(["eval", "-l", "Mara", "--samples", "4", "--max-new-tokens", "6", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "sounds like character" in out and "yes/no accuracy" in out and "loss, others" in out

    report = json.loads((home / "loras" / "Mara" / "eval.json").read_text())
    fidelity, general = report["fidelity"], report["general"]
    for who in ("reference", "base", "lora", "lora_memory", "base_memory"):  # prepare wrote memory.jsonl: eval uses it
        assert 0.0 <= fidelity["classifier"][who] <= 1.0
    assert fidelity["classifier"]["lora_memory_details"]["n"] == 4 and "+ memory" in out
    assert fidelity["classifier"]["base_memory_details"]["n"] == 4
    for key, who in (("memory_paired", "lora"), ("memory_paired_base", "base")):
        paired = fidelity["classifier"][key]
        assert paired["difference"]["n"] == 4
        low, high = paired["difference"]["interval_95"]
        assert low <= paired["difference"]["mean"] <= high
        assert paired["difference"]["mean"] == pytest.approx(paired["probability"][f"{who}_memory"] - paired["probability"][who])
    assert "memory, paired, LoRA" in out and "memory, paired, base" in out
    assert fidelity["classifier"]["replies"] == 4 and fidelity["classifier"]["seed"] == 3
    assert fidelity["classifier"]["sampling"]["temperature"] == GenerationSettings().temperature  # as chat samples
    assert 0.0 <= fidelity["classifier"]["others_reference"] <= 1.0
    assert fidelity["classifier"]["details"]["reference"]["n"] == report["character_lines"]["samples"]
    for who in ("character", "others"):
        for model in ("base", "lora"):
            assert fidelity["loss"][who][model] > 0
    assert fidelity["loss"]["others"]["speakers"] == 1  # Tobias: the transcript has two speakers
    assert fidelity["loss"]["character"]["base"] == report["character_lines"]["base"]["loss"]
    yes_no = general["yes_no"]
    assert yes_no["passages"] == 4 and yes_no["dialogue"] == 2  # as many narration passages as speech
    for model in ("base", "lora"):
        assert 0.0 <= yes_no[model]["accuracy"] <= 1.0 and 0.0 <= yes_no[model]["bare_share"] <= 1.0
        assert general["perplexity"][model] > 1


def test_eval_without_report_says_what_it_skipped(dataset, home, capsys):
    assert main(["finetune", "-m", "tiny", "-d", "Mara", "--max-steps", "2", "--save-steps", "0"]) == 0
    assert main(["eval", "-l", "Mara"]) == 0
    assert "classifier: skipped (no report.json" in capsys.readouterr().out
    report = json.loads((home / "loras" / "Mara" / "eval.json").read_text())
    assert "skipped" in report["fidelity"]["classifier"] and "skipped" in report["general"]["yes_no"]


def test_other_speakers_held_out_set_excludes_the_character_and_is_seeded(prepared):
    source = SourceLines.from_dataset(prepared)
    held_out, _ = source.other_held_out("Mara", seed=1)
    assert held_out and {s.character for s in held_out} == {"Tobias"}
    assert all(s.split == "val" for s in held_out)
    assert [s.id for s in source.other_held_out("Mara", seed=1)[0]] == [s.id for s in held_out]
    all_tobias = [text for speaker, text in source.speech() if speaker == "Tobias"]
    assert len(held_out) < len(all_tobias)  # a share held out, not every line
    kept = source.speech(exclude={s.reply for s in held_out})
    assert not {s.reply for s in held_out} & {text for _, text in kept}


def test_passages_are_half_speech_half_narration_with_known_answers(prepared):
    passages = SourceLines.from_dataset(prepared).passages(4, seed=0, min_words=2)
    assert sorted(truth for _, truth in passages) == [False, False, True, True]
    for text, truth in passages:
        assert text.startswith(("Mara: ", "Tobias: ")) == truth


def test_classifier_tells_two_speakers_apart_by_their_words():
    sailor = ["Ahoy, haul the rope, matey!", "The tide turns at dawn, haul away.", "Rope and sail, matey, rope and sail.",
              "Ahoy there, the sea is rough.", "Haul the sail before the tide turns, matey."] * 3
    baker = ["The bread needs more flour and butter.", "Knead the dough until the oven is hot.",
             "Butter, flour and sugar make a good cake.", "The oven bakes the bread by noon.",
             "Sugar the cake while the dough rises."] * 3
    clf = SpeakerClassifier.train([("Sailor", t) for t in sailor] + [("Baker", t) for t in baker], "Sailor")
    assert clf.share(["Ahoy matey, haul the rope at the tide!", "Rope, sail and sea."]) == 1.0
    assert clf.share(["Flour and butter for the bread dough.", "The cake is in the oven."]) == 0.0
    assert clf.predict(["", "ahoy matey", "bread and butter"]) == [EMPTY, "Sailor", OTHERS]


def test_classifier_hears_how_words_are_joined_not_only_which_words():
    # the same words in another order: n-grams inside word boundaries see the same bag for both speakers
    mara = ["good morning dear friend", "good night dear sister", "good evening dear brother", "good day dear mother"] * 3
    tobias = ["morning good friend dear", "night good sister dear", "evening good brother dear", "day good mother dear"] * 3
    clf = SpeakerClassifier.train([("Mara", t) for t in mara] + [("Tobias", t) for t in tobias], "Mara")
    assert clf.predict(["good day dear sister", "evening good friend dear"]) == ["Mara", OTHERS]


@pytest.mark.parametrize("text, answer, bare", [
    ("yes", "yes", True), ("No.", "no", True), (" YES ", "yes", True), ('"No"', "no", True),
    ("Yes, it is dialogue.", "yes", False), ("No, this is a stage direction", "no", False),
    ("Nobody knows.", None, False), ("I think yes", None, False), ("", None, False),
    ("Certainly, dear boy!", None, False),
])
def test_yes_no_parser_counts_bare_answers(text, answer, bare):
    assert parse_answer(text) == (answer, bare)


def test_yes_no_score_counts_accuracy_and_bare_share():
    result = score(["yes", "No, it is narration.", "Perhaps.", "no"], [True, False, True, True])
    assert result["accuracy"] == 0.5 and result["bare_share"] == 0.5 and result["answered_share"] == 0.75


def test_yes_no_prompt_without_a_chat_template_asks_plainly():
    class NoTemplate:
        chat_template = None

    prompt, stops = prompt_for("Mara:   Hand me\nthe rope.", NoTemplate())
    assert prompt.endswith("Passage: Mara: Hand me the rope.\nAnswer:") and stops == ["\n"]


def test_passages_leave_out_narration_that_opens_with_a_name_in_capitals(prepared):
    from characterkit.records import NARRATION, Line

    source = SourceLines.from_dataset(prepared)
    source.all_kinds = [Line(None, "MARA and TOBIAS [Together.] Hand me the rope.", NARRATION),
                        Line(None, "Tobias carries the flour up the path.", NARRATION), Line("Mara", "Hand me the rope now.")]
    assert sorted(source.passages(4, seed=0), key=lambda p: p[1]) == [("Tobias carries the flour up the path.", False),
                                                                       ("Mara: Hand me the rope now.", True)]


def test_source_lines_name_speakers_as_the_dataset_does(home, tmp_path):
    """A play prints ALGERNON; `--name Algernon` writes datasets/Algernon: eval's re-parse must call him
    Algernon too, or the classifier finds none of his lines and the others' held-out set includes him."""
    play = tmp_path / "play.txt"
    play.write_text("\n".join(f"ALGERNON: I never travel without my diary, number {i}.\n"
                              f"LANE: Yes, sir, number {i}.\n" for i in range(12)), encoding="utf-8")
    assert main(["prepare", "dialogue", str(play), "-n", "Algernon", "--val-ratio", "0.3",
                 "--formats", "processed_dataset"]) == 0
    source = SourceLines.from_dataset(home / "datasets" / "Algernon")
    assert {speaker for speaker, _ in source.speech()} == {"Algernon", "Lane"}
    held_out, _ = source.other_held_out("Algernon", seed=0)
    assert held_out and {s.character for s in held_out} == {"Lane"}
    # each other speaker's samples carry the persona prepare would write for them
    assert {s.persona for s in held_out} == {"Lane, a character in Play. Talks mostly with Algernon. Speaks in short lines."}


def test_more_replies_than_held_out_contexts_reuse_them_with_new_seeds(prepared, home):
    assert main(["finetune", "-m", "tiny", "-d", "Mara", "--max-steps", "2", "--save-steps", "0"]) == 0
    held_out = sum(json.loads(line)["split"] == "val" for line in (prepared / "samples.jsonl").read_text().splitlines())
    assert main(["eval", "-l", "Mara", "--samples", str(held_out + 3), "--max-new-tokens", "4"]) == 0
    clf = json.loads((home / "loras" / "Mara" / "eval.json").read_text())["fidelity"]["classifier"]
    assert clf["contexts"] == held_out and clf["replies"] == held_out + 3
    assert clf["details"]["base"]["n"] == clf["details"]["lora"]["n"] == held_out + 3
    # every scored reply is in eval_replies.jsonl, and the shares are counts of its rows
    rows = [json.loads(line) for line in (home / "loras" / "Mara" / clf["replies_file"]).read_text().splitlines()]
    for model in ("base", "lora"):
        mine = [r for r in rows if r["model"] == model]
        assert [r["reply_index"] for r in mine] == list(range(held_out + 3))
        assert sum(r["attributed_to"] == "Mara" for r in mine) / len(mine) == clf[model]
        assert mine[0]["reply"] == clf["details"][model]["examples"][0]


def test_paired_difference_finds_a_small_shift_that_two_shares_would_miss():
    from characterkit.train.classifier import paired_difference

    before = [0.1 * (i % 9) for i in range(40)]  # spread over the whole range, as replies are
    shifted = paired_difference(before, [b + 0.05 for b in before])
    assert shifted["mean"] == pytest.approx(0.05) and shifted["interval_95"][0] > 0
    noise = paired_difference(before, [b + (0.2 if i % 2 else -0.2) for i, b in enumerate(before)])
    assert noise["interval_95"][0] < 0 < noise["interval_95"][1]
    with pytest.raises(ValueError):
        paired_difference([0.5], [0.5, 0.6])


def test_probability_is_the_characters_and_an_empty_reply_gets_none():
    lines = [("Mara", "Ahoy, the lamp is lit and the tide turns."), ("Mara", "Ahoy there, keep the lamp burning."),
             ("Tobias", "Tell me of the mill and the grain."), ("Tobias", "The mill grinds grain by the river.")] * 3
    classifier = SpeakerClassifier.train(lines, "Mara")
    lamp, mill, empty = classifier.probability(["Ahoy, the lamp!", "the mill grinds grain", " "])
    assert lamp > 0.5 > mill and empty == 0.0
