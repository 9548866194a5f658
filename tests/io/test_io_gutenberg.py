"""Project Gutenberg header, credits, licence and footer are removed for every header generation."""

import re

import pytest

from characterkit.io import gutenberg, open_source

# file -> (encoding, bom, line ending, first body line, last body line), read off the files by eye.
NOVELS = {
    "alice-in-wonderland_11-0_utf8-bom-crlf.txt":
        ("utf-8", True, "crlf", "ALICE’S ADVENTURES IN WONDERLAND", "THE END"),
    "alice-in-wonderland_alice30_1990s-etext-smallprint.txt":
        ("utf-8", False, "crlf", "ALICE'S ADVENTURES IN WONDERLAND", "THE END"),
    "little-women_pg514_modern-utf8.txt":
        ("utf-8", False, "lf", "Little Women", "greater happiness than this!”"),
    "pride-and-prejudice_1342-0_utf8-bom-crlf.txt":
        ("utf-8", True, "crlf", "PRIDE AND PREJUDICE", "her into Derbyshire, had been the means of uniting them."),
    "pride-and-prejudice_pandp12_2002-ascii-crlf.txt":
        ("utf-8", False, "crlf", "Pride and Prejudice", "means of uniting them."),
    "pride-and-prejudice_pg1342_2025-utf8-lf.txt":
        ("utf-8", False, "lf", "[Illustration:", "TOOKS COURT, CHANCERY LANE, LONDON."),
    "princess-and-the-goblin_pg708_2008-ascii-crlf.txt":
        ("utf-8", False, "crlf", "THE PRINCESS AND THE GOBLIN", "another volume."),
    "princess-and-the-goblin_prgob10_1996-etext-smallprint.txt":
        ("utf-8", False, "crlf", "THE PRINCESS AND THE GOBLIN", "another volume."),
}
LEFTOVER = re.compile(r"(?i:gutenberg|small print|\betext\b|\bebook\b|full license)|^Produced by")


def body_of(source):
    return [(n, t) for n, t in source.lines() if t.strip()]


@pytest.mark.corpora
@pytest.mark.parametrize("name", NOVELS)
def test_each_header_generation_is_stripped_to_the_body(corpora, name):
    encoding, bom, ending, first, last = NOVELS[name]
    path = corpora / "gutenberg-novels" / name
    source = open_source(path)
    body = body_of(source)
    info = source.info
    assert (info.encoding, info.bom, info.line_ending) == (encoding, bom, ending)
    assert body[0][1].strip() == first and body[-1][1].strip() == last
    assert [t for _, t in body if LEFTOVER.search(t)] == []
    # Line numbers are the file's own, and exactly the header and footer lines are missing.
    raw = path.read_bytes().decode("utf-8-sig").splitlines()
    streamed = [n for n, _ in source.lines()]
    assert all(raw[n - 1] == t for n, t in body)
    assert streamed == list(range(info.gutenberg_header_lines + 1, len(raw) - info.gutenberg_footer_lines + 1))
    assert any(re.match(r"\W*(START OF|END\*?THE SMALL PRINT)", line) for line in raw[: info.gutenberg_header_lines])
    if "alice30" in name:  # this 1994 Etext has no footer at all
        assert info.gutenberg_footer_lines == 0
    else:
        assert re.match(r"\W*end of", raw[-info.gutenberg_footer_lines], re.IGNORECASE)


@pytest.mark.corpora
@pytest.mark.parametrize("number", ["1013", "10089", "33956"])
def test_body_matches_the_c_w_gutenberg_goldens(corpora, number):
    folder = corpora / "gutenberg-strip-goldens"
    ours = [t.strip() for _, t in body_of(open_source(folder / "raw" / f"{number}.txt"))]
    golden_text = (folder / "clean" / f"{number}.txt").read_text(encoding="utf-8")
    golden = [t.strip() for t in golden_text.splitlines() if t.strip()]
    if number == "10089":
        # Deliberate difference: c-w drops this editor's note because its last line reads
        # "this Project Gutenberg edition."; we keep notes that follow the credits.
        note, ours = ours[:3], ours[3:]
        assert note[0].startswith("Editorial note:")
    assert ours == golden


def write(path, lines, ending="\n"):
    path.write_text(ending.join(lines) + ending, encoding="utf-8", newline="")
    return path


HEADER = ["The Project Gutenberg EBook of Tiny, by Someone", "", "Title: Tiny", ""]
START = "*** START OF THIS PROJECT GUTENBERG EBOOK TINY ***"
CREDITS = ["", "Produced by A. Volunteer and the Online", "Distributed Proofreading Team"]
BODY = ["", "TINY", "", "ALICE: Hello.", "BOB: Hi.", ""]
FOOTER = ["End of the Project Gutenberg EBook of Tiny", "", "*** END OF THIS PROJECT GUTENBERG EBOOK TINY ***",
          "", "*** START: FULL LICENSE ***", "licence text"]


def test_short_book_keeps_only_the_body_with_original_line_numbers(tmp_path):
    lines = HEADER + [START] + CREDITS + BODY + FOOTER
    source = open_source(write(tmp_path / "tiny.txt", lines, "\r\n"))
    first_body = len(HEADER) + 1 + len(CREDITS) + 1
    assert list(source.lines()) == list(enumerate(BODY, first_body))
    assert source.info.gutenberg_header_lines == len(HEADER) + 1 + len(CREDITS)
    assert source.info.gutenberg_footer_lines == len(FOOTER)


def test_long_book_streams_past_the_head_window_and_stops_at_the_footer(tmp_path, monkeypatch):
    monkeypatch.setattr(gutenberg, "HEAD_LINES", 8)
    body = [f"line {i}" for i in range(50)]
    source = open_source(write(tmp_path / "long.txt", HEADER + [START] + body + FOOTER))
    assert list(source.lines()) == list(enumerate(body, len(HEADER) + 2))
    assert source.info.gutenberg_footer_lines == len(FOOTER)


def test_first_paragraph_that_is_not_a_credit_is_kept(tmp_path):
    lines = HEADER + [START, "", "Transcriber's note: spelling kept.", ""] + BODY + FOOTER
    kept = [t for _, t in open_source(write(tmp_path / "t.txt", lines)).lines()]
    assert kept[:3] == ["", "Transcriber's note: spelling kept.", ""]


def test_licence_lines_that_begin_with_start_are_not_start_markers(tmp_path):
    lines = ["***START**THE SMALL PRINT!**FOR PUBLIC DOMAIN ETEXTS**START***", "lawyers.",
             "*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*", "", "THE BOOK", "text."]
    source = open_source(write(tmp_path / "t.txt", lines))
    assert list(source.lines()) == [(4, ""), (5, "THE BOOK"), (6, "text.")]
    assert (source.info.gutenberg_header_lines, source.info.gutenberg_footer_lines) == (3, 0)


def test_text_without_markers_passes_through_unchanged(tmp_path):
    lines = ["*** START OF ACT ONE ***", "ALICE: End of the story?", "BOB: End of the project, yes.", "THE END"]
    source = open_source(write(tmp_path / "t.txt", lines))
    assert list(source.lines()) == list(enumerate(lines, 1))
    assert (source.info.gutenberg_header_lines, source.info.gutenberg_footer_lines) == (0, 0)
