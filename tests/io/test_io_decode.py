"""Encodings, BOMs and line endings: every combination reads back the same lines and numbers."""

import pytest

from characterkit.io import decode, open_source, read_text

LINES = ["ALICE: It’s “fine”, café.", "", "BOB: naïve—really?", "ALICE: Yes."]
ENDINGS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}
# (python codec used to write, BOM bytes written first, encoding and bom ReadInfo should report)
ENCODINGS = [
    ("utf-8", b"", "utf-8", False),
    ("utf-8", b"\xef\xbb\xbf", "utf-8", True),
    ("utf-16-le", b"\xff\xfe", "utf-16-le", True),
    ("utf-16-be", b"\xfe\xff", "utf-16-be", True),
    ("utf-16-le", b"", "utf-16-le", False),
    ("utf-16-be", b"", "utf-16-be", False),
    ("utf-32-le", b"\xff\xfe\x00\x00", "utf-32-le", True),
    ("cp1252", b"", "cp1252", False),
]


def write(path, text, codec="utf-8", bom=b""):
    path.write_bytes(bom + text.encode(codec))
    return path


@pytest.mark.parametrize("ending", ENDINGS)
@pytest.mark.parametrize("codec,bom,encoding,has_bom", ENCODINGS)
def test_every_encoding_and_line_ending_reads_the_same_lines(tmp_path, codec, bom, encoding, has_bom, ending):
    path = write(tmp_path / "t.txt", ENDINGS[ending].join(LINES) + ENDINGS[ending], codec, bom)
    source = open_source(path)
    assert list(source.lines()) == list(enumerate(LINES, 1))
    assert (source.info.encoding, source.info.bom, source.info.line_ending) == (encoding, has_bom, ending)


def test_mixed_endings_are_all_line_breaks_and_reported_as_mixed(tmp_path):
    path = write(tmp_path / "t.txt", "one\ntwo\r\nthree\rfour")
    source = open_source(path)
    assert list(source.lines()) == [(1, "one"), (2, "two"), (3, "three"), (4, "four")]
    assert source.info.line_ending == "mixed"


def test_only_newline_characters_end_lines_not_other_unicode_breaks(tmp_path):
    text = "form\x0cfeed, next\x85line, line\u2028separator\nsecond"
    source = open_source(write(tmp_path / "t.txt", text))
    assert list(source.lines()) == [(1, "form\x0cfeed, next\x85line, line\u2028separator"), (2, "second")]


def test_blank_lines_keep_their_numbers_and_a_final_newline_adds_no_line(tmp_path):
    source = open_source(write(tmp_path / "t.txt", "\n\na\n\nb\n"))
    assert list(source.lines()) == [(1, ""), (2, ""), (3, "a"), (4, ""), (5, "b")]
    single = open_source(write(tmp_path / "one.txt", "no ending at all"))
    assert list(single.lines()) == [(1, "no ending at all")]
    assert single.info.line_ending == "lf"


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 64])
@pytest.mark.parametrize("codec,bom", [("utf-8", b""), ("utf-16-le", b"\xff\xfe"), ("cp1252", b"")])
def test_reads_split_anywhere_give_the_same_lines(tmp_path, monkeypatch, chunk, codec, bom):
    # Small reads split '\r\n' pairs, multi-byte characters and UTF-16 code units across chunks.
    text = "é’\r\n\r\nHe said “no”.\r\rlast line é\n" * 3 + "tail"
    monkeypatch.setattr(decode, "CHUNK_BYTES", chunk)
    source = open_source(write(tmp_path / "t.txt", text, codec, bom))
    expected = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    assert list(source.lines()) == list(enumerate(expected, 1))
    assert source.info.line_ending == "mixed"


def test_cp1252_fallback_reads_smart_quotes_and_unassigned_bytes(tmp_path):
    # 0x93/0x94 are cp1252 curly quotes; 0x81 is unassigned in cp1252 and must not stop the read.
    path = tmp_path / "t.txt"
    path.write_bytes(b"\x93Caf\xe9\x94 \x81x\n")
    text, info = read_text(path)
    assert text == "“Café” \x81x"
    assert info.encoding == "cp1252"


def test_utf8_that_turns_invalid_late_in_the_file_falls_back_to_cp1252(tmp_path, monkeypatch):
    monkeypatch.setattr(decode, "CHUNK_BYTES", 16)  # the bad byte is many reads in
    path = tmp_path / "t.txt"
    path.write_bytes(b"plain ascii line\n" * 20 + b"na\xefve\n")
    text, info = read_text(path)
    assert info.encoding == "cp1252"
    assert text.splitlines()[-1] == "naïve"


def test_read_text_joins_the_streamed_lines(tmp_path):
    path = write(tmp_path / "t.txt", "\r\n".join(LINES) + "\r\n", "utf-8", b"\xef\xbb\xbf")
    text, info = read_text(path)
    assert text == "\n".join(LINES)
    assert info.to_dict() == {
        "path": str(path),
        "encoding": "utf-8",
        "bom": True,
        "line_ending": "crlf",
        "mojibake_fixed": 0,
        "gutenberg_header_lines": 0,
        "gutenberg_footer_lines": 0,
    }
