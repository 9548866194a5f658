"""What is shown of a generated reply: cut at the first stop, nothing shown that is taken back later."""

from characterkit.chat.engine import visible_text
from characterkit.chat.repeats import REPEAT

STOPS = ["\n", "\nTobias:", "\nYou:"]


def test_cut_at_the_newline_and_stripped():
    assert visible_text(" Hand me the rope.\nTobias: Here.", STOPS) == ("Hand me the rope.", "\n")


def test_the_earliest_stop_wins():
    assert visible_text(" A</s> b\n", ["\n", "</s>"]) == ("A", "</s>")


def test_a_stop_at_the_start_leaves_an_empty_reply():
    assert visible_text("\nYou: hi", STOPS) == ("", "\n")


def test_a_possible_start_of_a_stop_is_held_back_while_streaming():
    stops = ["\nTobias:", "###"]
    assert visible_text(" Wait\nTob", stops) == ("Wait", None)
    assert visible_text(" Wait ##", stops) == ("Wait", None)
    assert visible_text(" Wait\nTob", stops, final=True) == ("Wait\nTob", None)
    assert visible_text(" Wait\nTom", stops) == ("Wait\nTom", None)


def test_an_incomplete_character_is_held_back_while_streaming():
    assert visible_text(" caf\ufffd", STOPS) == ("caf", None)
    assert visible_text(" caf\u00e9", STOPS) == ("caf\u00e9", None)


def test_every_shown_text_is_a_prefix_of_the_final_one():
    full = " It is the glass that worries me. ##x\nTobias: What glass?"
    stops = ["\nTobias:", "###"]
    shown = [visible_text(full[:n], stops)[0] for n in range(len(full) + 1)]
    final = visible_text(full, stops, final=True)[0]
    assert final == "It is the glass that worries me. ##x"
    assert all(final.startswith(s) for s in shown)


LOOP = " After the lamp is dry. The lamp is dry. The lamp is dry. The lamp is dry."


def test_a_reply_ends_where_it_starts_repeating_a_sentence():
    assert visible_text(LOOP, STOPS, final=True) == ("After the lamp is dry. The lamp is dry.", REPEAT)
    assert visible_text(' I like tea. "I like tea!" She smiles.', STOPS, final=True) == ("I like tea.", REPEAT)
    assert visible_text(" The lamp is dry.\nThe lamp is dry.", STOPS, final=True) == ("The lamp is dry.", "\n")


def test_short_sentences_and_new_sentences_that_begin_alike_are_kept():
    assert visible_text(" No. No. I said no.", STOPS, final=True) == ("No. No. I said no.", None)
    assert visible_text(" The lamp is dry. The lamp is dry now.", STOPS, final=True) == (
        "The lamp is dry. The lamp is dry now.", None)


def test_a_sentence_that_may_become_a_repeat_is_held_back_while_streaming():
    assert visible_text(" The lamp is dry. The lamp is d", STOPS) == ("The lamp is dry.", None)
    assert visible_text(" The lamp is dry. The lamp was", STOPS) == ("The lamp is dry. The lamp was", None)
    shown = [visible_text(LOOP[:n], STOPS)[0] for n in range(len(LOOP) + 1)]
    final = visible_text(LOOP, STOPS, final=True)[0]
    assert all(final.startswith(s) for s in shown)


def test_generation_stops_on_the_token_after_a_repeated_sentence(engine):
    import threading

    import torch

    from characterkit.chat.engine import StopOnText

    prompt = engine.tokenizer("Tobias: Is the lamp working?\nMara:")["input_ids"]
    stopper = StopOnText(engine.tokenizer, len(prompt), ["\n"], threading.Event())

    def stops(reply: str) -> bool:
        ids = torch.tensor([prompt + engine.tokenizer(reply, add_special_tokens=False)["input_ids"]])
        return bool(stopper(ids, None)[0])

    assert stops(" The lamp is dry. The lamp is dry. The")
    assert not stops(" The lamp is dry. The lamp is dry")  # the repeat is not complete yet
    assert not stops(" The lamp is dry. The lamp was wet. The")
