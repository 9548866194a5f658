"""Bad input becomes a one-line UserError naming the file; reading streams in bounded memory."""

import subprocess
import sys
from pathlib import Path

import pytest

from characterkit.errors import UserError
from characterkit.io import open_source, read_text


def read_all(path):
    return list(open_source(path).lines())


def assert_user_error(path, words):
    with pytest.raises(UserError) as caught:
        read_all(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and words in message and "\n" not in message


def test_missing_file_and_directory(tmp_path):
    assert_user_error(tmp_path / "nope.txt", "no such file")
    assert_user_error(tmp_path, "is a directory")


def test_empty_and_blank_files_have_no_text(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    assert_user_error(tmp_path / "empty.txt", "empty file")
    (tmp_path / "blank.txt").write_bytes(b"\xef\xbb\xbf \r\n\t\r\n")
    assert_user_error(tmp_path / "blank.txt", "no text")


def test_gutenberg_file_with_nothing_between_header_and_footer_has_no_text(tmp_path):
    path = tmp_path / "pg.txt"
    path.write_text(
        "The Project Gutenberg EBook of Nothing\n\n*** START OF THIS PROJECT GUTENBERG EBOOK NOTHING ***\n\n\n"
        "*** END OF THIS PROJECT GUTENBERG EBOOK NOTHING ***\nlicence\n",
        encoding="utf-8",
    )
    assert_user_error(path, "no text left after removing the Project Gutenberg header")


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4,  # NUL bytes, not UTF-16
        b"\x01\x02\x03\x04\x05\x06\x07\x08 text \x0e\x0f\x10\x11" * 100,  # control bytes, no NUL
    ],
)
def test_binary_files_are_refused(tmp_path, content):
    path = tmp_path / "image.txt"
    path.write_bytes(content)
    assert_user_error(path, "binary")


def test_reading_twice_gives_the_same_lines_and_info(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("x\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\nbody\nEnd of the Project Gutenberg EBook\n")
    source = open_source(path)
    first, info = list(source.lines()), source.info.to_dict()
    assert first == [(3, "body")] and (info["gutenberg_header_lines"], info["gutenberg_footer_lines"]) == (2, 1)
    assert list(source.lines()) == first and source.info.to_dict() == info


STREAM_CHECK = """
import sys
from characterkit.io import open_source

def peak_bytes():
    status = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return int(status["VmHWM"].split()[0]) * 1024

source = open_source(sys.argv[1])
open("/proc/self/clear_refs", "w").write("5")  # restart the peak count from what is in use now
before = peak_bytes()
lines = sum(1 for _ in source.lines())
heavy = [m for m in ("torch", "transformers", "gradio", "ftfy") if m in sys.modules]
print(lines, peak_bytes() - before, ",".join(heavy) or "-")
"""


def read_in_subprocess(path):
    """(lines read, growth of peak resident memory in bytes, heavy modules imported) for reading `path`."""
    command = [sys.executable, "-c", STREAM_CHECK, str(path)]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    lines, grown, heavy = out.stdout.split()
    return int(lines), int(grown), heavy


def write_dialogue(path, megabytes):
    """CRLF dialogue with curly quotes: non-ASCII lines decode to 2-byte strings, the widest case."""
    block = "".join(f"SPEAKER{i % 7}: “Line {i}, she said—isn’t it?”\r\n" for i in range(1000)).encode("utf-8")
    copies = megabytes * 1_000_000 // len(block)
    with open(path, "wb") as f:
        for _ in range(copies):
            f.write(block)
    return 1000 * copies


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc to measure peak memory")
def test_reading_streams_a_large_file_in_bounded_memory(tmp_path):
    small_lines = write_dialogue(tmp_path / "small.txt", 12)
    big_lines = write_dialogue(tmp_path / "big.txt", 48)
    small = read_in_subprocess(tmp_path / "small.txt")
    big = read_in_subprocess(tmp_path / "big.txt")
    assert (small[0], big[0]) == (small_lines, big_lines)
    size = (tmp_path / "big.txt").stat().st_size
    assert big[1] < size / 3, f"peak memory grew by {big[1] >> 20} MiB reading {size >> 20} MiB"
    # Four times the text must not need more memory: the peak is set by the read size, not the file.
    assert big[1] - small[1] < size / 16, f"peak grew {small[1] >> 20} -> {big[1] >> 20} MiB with file size"
    assert big[2] == "-", f"reading clean text imported {big[2]}"
