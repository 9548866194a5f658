"""Novels: find every quotation, decide who says it, and give the text out as Lines.

    text ──quotes.py──▶ Quotes ──cast.py──▶ Cast ──attribute.py──▶ speaker, confidence, rule
                                                    │
                                     book.py: Lines (speech, narration, breaks) for the samples

`eval.py` scores attribution against PDNC (read from ../shared/corpora at evaluation time).
Pure Python and regular expressions: nothing heavy is imported on this path.
"""

from characterkit.parse.novel.attribute import Attribution
from characterkit.parse.novel.book import (DEFAULT_MIN_CONFIDENCE, SpokenQuote, analyse, format_quote, novel_lines, parse_novel,
                                          read_quotes)
from characterkit.parse.novel.cast import Cast, Character, load_cast, scan_cast
from characterkit.parse.novel.patterns import dialogue_line
from characterkit.parse.novel.quotes import Quote, find_quotes, split_paragraphs

__all__ = ["Attribution", "Cast", "Character", "DEFAULT_MIN_CONFIDENCE", "Quote", "SpokenQuote", "analyse",
           "dialogue_line", "find_quotes", "format_quote", "load_cast", "novel_lines", "parse_novel", "read_quotes", "scan_cast",
           "split_paragraphs"]
