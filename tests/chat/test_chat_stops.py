"""What is shown of a generated reply: cut at the first stop, nothing shown that is taken back later."""

from characterkit.chat.engine import visible_text

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
