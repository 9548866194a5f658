"""Mojibake is repaired line by line; clean text, curly quotes included, is never touched."""

import pytest

from characterkit.io import cp1252, open_source, read_text
from characterkit.io.mojibake import looks_garbled, repair


def garble(text: str) -> str:
    """What a UTF-8 text looks like after one wrong decode as cp1252 (how mojibake is made)."""
    return cp1252.Decoder().decode(text.encode("utf-8"))


@pytest.mark.parametrize(
    "clean",
    ["wouldn’t", "“Quote” end", "café — naïve…", "£5 and €3", "Straße, Ærøskøbing"],
)
def test_garbled_text_is_restored_exactly(clean):
    garbled = garble(clean)
    assert garbled != clean and looks_garbled(garbled)
    assert repair(garbled) == clean


def test_double_garbling_and_a_line_mixing_garbled_and_clean_text_are_repaired():
    assert repair(garble(garble("it’s"))) == "it’s"
    assert repair("already “fine” text’s and donâ€™t") == "already “fine” text’s and don’t"


def test_repair_leaves_html_entities_ligatures_and_widths_alone():
    assert repair("donâ€™t &amp; ﬁne ＡＢＣ") == "don’t &amp; ﬁne ＡＢＣ"


@pytest.mark.parametrize("clean", ["café’s “ok”", "naïve — résumé…", "plain ascii 'quotes'", "日本語のテキスト"])
def test_clean_text_is_not_changed(clean):
    assert repair(clean) == clean


def test_file_repair_counts_lines_and_keeps_curly_quotes(tmp_path):
    path = tmp_path / "t.txt"
    garbled = ["ALICE: “I wouldn’t,” she said.", "BOB: wouldnâ€™t you? donâ€™t!", "ALICE: Ã¢â‚¬Å“no", "BOB: fine"]
    path.write_text("\n".join(garbled) + "\n", encoding="utf-8")
    text, info = read_text(path)
    clean = ["ALICE: “I wouldn’t,” she said.", "BOB: wouldn’t you? don’t!", "ALICE: “no", "BOB: fine"]
    assert text.split("\n") == clean
    assert info.mojibake_fixed == 2


def test_repair_count_is_per_read_not_cumulative(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("wouldnâ€™t\nfine\nâ€œyesâ€\x9d", encoding="utf-8")
    source = open_source(path)
    first = list(source.lines())
    assert first[-1] == (3, "“yes”")  # the last line has no newline and is repaired too
    assert list(source.lines()) == first
    assert source.info.mojibake_fixed == 2
