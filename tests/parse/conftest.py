"""Helpers for the parse tests: parse a small text written in the test itself."""

from collections import Counter

import pytest

from characterkit.parse import ParseOptions, parse_lines


def numbered(text: str) -> list[tuple[int, str]]:
    """`text` as the (lineno, text) pairs a SourceText yields."""
    return list(enumerate(text.splitlines(), 1))


@pytest.fixture
def parse():
    """parse(text, fmt="auto", **options) -> (lines, drops), read from a string."""

    def run(text: str, fmt: str = "auto", **options):
        drops = Counter()
        lines = list(parse_lines(numbered(text), fmt, options=ParseOptions(**options), drops=drops))
        return lines, drops

    return run
