"""The terminal summary shared by the prepare commands: counts on one line, a two-column table."""

import io

from rich.console import Console

from characterkit.summary import counts_line, print_table


def test_counts_line_keeps_the_order_and_names_the_empty_key():
    assert counts_line({"too_short": 3, "": 2, "refusal": 1}) == "too_short 3, (none) 2, refusal 1"
    assert counts_line({}) == ""


def test_print_table_shows_every_row_under_the_title():
    out = io.StringIO()
    console = print_table("stories", [("kept", 3), ("folder", "/tmp/x")], Console(file=out, width=80))
    text = out.getvalue()
    assert console.file is out
    assert "stories" in text and "kept" in text and "3" in text and "/tmp/x" in text
