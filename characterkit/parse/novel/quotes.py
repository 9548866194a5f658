"""Finding the quoted speech in a novel: paragraphs, quote marks, utterances.

    text --split_paragraphs--> [Paragraph] --find_quotes--> [Quote] (one per utterance, text order)

A `Quote` is one utterance, possibly in several pieces: `"Well," said Jo, "I never!"` is one Quote
with two spans, and a speech that runs over several paragraphs (an opening mark on each paragraph,
a closing mark only on the last) is one Quote with a span per paragraph. Spans are [start, end)
character offsets of the words inside the marks, into the text exactly as given.

Two quote styles are told apart per book: double marks (`"` and curly `“ ”`) and single marks
(`‘ ’`, or straight `'` and `` `...' `` in some ASCII books). In the double style single marks are nested quotes
(and ignored); in the single style double marks are. Single marks are told apart from apostrophes
by the letters around them (`don’t`, `’tis`, `the boys’ room`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from characterkit.parse.novel.patterns import CAP_WORD, SENTENCE_END, SPEECH_VERB, speech_tag

DOUBLE = "double"
SINGLE = "single"

# Pieces of one paragraph further apart than this are separate utterances even without a
# paragraph break (a long stretch of narration usually means a new speech act).
MAX_JOIN_GAP = 300

# Words that start with an apostrophe in dialect and old spellings ('tis, 'em): never an opening mark.
ELISIONS = {"tis", "twas", "twere", "twill", "em", "ere", "un", "im", "er", "ow", "cause", "bout", "n", "s", "d", "ll"}

_HEADING = re.compile(
    r"^\s*(?:(?:chapter|book|part|volume|stave|canto|section)\s+(?:[ivxlcdm]+|\d+|[a-z-]+)\b[^\n]{0,80}"
    r"|[ivxlcdm]+\.?|\d{1,3}\.?)\s*$",
    re.IGNORECASE,
)
_SCENE_BREAK = re.compile(r"^\s*(?:[*#~=•·-]\s*){3,}$")
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")


@dataclass
class Paragraph:
    """A run of text between blank lines (or one line, in books that put a paragraph per line)."""

    start: int
    end: int
    heading: bool = False  # a chapter heading or scene break: conversations never cross it


@dataclass
class Quote:
    """One utterance: the spans of its pieces and the paragraphs it covers (indices)."""

    spans: list[tuple[int, int]]
    first_paragraph: int
    last_paragraph: int
    text: str = ""

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]


@dataclass
class _Piece:
    start: int
    end: int
    paragraph: int
    runs_on: bool = False  # no closing mark: the speech continues in the next paragraph
    words: list = field(default_factory=list)


def split_paragraphs(text: str) -> list[Paragraph]:
    """Paragraphs in text order, blank-line separated; one per line when blank lines are rare."""
    bounds = []
    pos = 0
    for m in _BLANK_LINES.finditer(text):
        bounds.append((pos, m.start()))
        pos = m.end()
    bounds.append((pos, len(text)))
    n_lines = text.count("\n") + 1
    if len(bounds) < n_lines / 20 and n_lines > 40:  # a paragraph per line, no blank lines between
        bounds = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    paragraphs = []
    for start, end in bounds:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start >= end:
            continue
        first_end = text.find("\n", start, end)
        if is_heading(text[start:end]):
            paragraphs.append(Paragraph(start, end, True))
        elif first_end > 0 and is_heading(text[start:first_end]):  # 'CHAPTER 2.' with the text right under it
            paragraphs.append(Paragraph(start, first_end, True))
            paragraphs.append(Paragraph(first_end + 1, end))
        else:
            paragraphs.append(Paragraph(start, end))
    return paragraphs


def is_heading(paragraph: str) -> bool:
    """A chapter heading ('CHAPTER IV.', 'Chapter 2\nThe Letter', 'XII.') or a scene break ('* * *').

    A title line may follow the heading line, but no quotation and no more than two lines.
    """
    first, _, rest = paragraph.partition("\n")
    if rest.count("\n") > 1 or len(rest) > 100 or any(mark in paragraph for mark in QUOTE_MARKS[:3]):
        return False
    return bool(_HEADING.match(first) or _SCENE_BREAK.match(first))


def detect_style(text: str) -> str:
    """DOUBLE or SINGLE: which marks this book uses for dialogue."""
    doubles = text.count('"') / 2 + text.count("“")  # opening marks of each kind
    singles = text.count("‘") + text.count("`") + len(re.findall(r"(?:^|(?<=[\s(—-]))'(?=[A-Za-z])(?!(?:tis|twas|em)\b)", text))
    return SINGLE if singles > doubles else DOUBLE


def find_quotes(text: str, paragraphs: list[Paragraph] | None = None, style: str | None = None) -> list[Quote]:
    """Every utterance in `text`, in text order (see the module docstring for the contract)."""
    if paragraphs is None:
        paragraphs = split_paragraphs(text)
    style = style or detect_style(text)
    pieces = []
    for index, para in enumerate(paragraphs):
        if not para.heading:
            pieces.extend(p for p in _paragraph_pieces(text, para, index, style) if not _mentioned(text, p))
    return _join_pieces(text, pieces, paragraphs)


# A few words quoted inside a sentence of narration, `She didn't say “perhaps never,” but each
# silently added it`: words mentioned, not spoken (a lowercase word before the mark and after it).
_MENTION_WORDS = 4


def _mentioned(text: str, piece) -> bool:
    words = text[piece.start : piece.end].split()
    return (not piece.runs_on and 0 < len(words) <= _MENTION_WORDS and words[0][:1].islower()
            and re.search(r"[a-z]\s$", text[max(0, piece.start - 3) : piece.start - 1]) is not None
            and re.match(r"\s[a-z]", text[piece.end + 1 : piece.end + 3]) is not None)


def _paragraph_pieces(text: str, para: Paragraph, index: int, style: str):
    """The quoted pieces of one paragraph; an unclosed last piece `runs_on` to the paragraph end."""
    opened_at = None
    for pos, kind in _marks(text, para.start, para.end, style):
        if opened_at is None and kind in ("open", "either"):
            opened_at = pos + 1
        elif opened_at is not None and kind in ("close", "either"):
            yield _Piece(opened_at, pos, index)
            opened_at = None
        elif opened_at is not None and kind == "open":  # a missing closing mark: close before it
            yield _Piece(opened_at, pos, index)
            opened_at = pos + 1
        # a closing mark with nothing open is a stray: ignoring it keeps later pairs aligned
    if opened_at is not None and opened_at < para.end:
        yield _Piece(opened_at, para.end, index, runs_on=True)


def _marks(text: str, start: int, end: int, style: str):
    """(offset, 'open' | 'close' | 'either') for each dialogue mark in text[start:end]."""
    chars = "\"“”" if style == DOUBLE else "'‘’`"
    for m in re.finditer(f"[{chars}]", text[start:end]):
        pos = start + m.start()
        kind = _mark_kind(text, pos, start, end, style)
        if kind:
            yield pos, kind


def _mark_kind(text: str, pos: int, start: int, end: int, style: str) -> str | None:
    mark = text[pos]
    before = text[pos - 1] if pos > start else " "
    after = text[pos + 1] if pos + 1 < end else " "
    if mark in "“‘`":  # `...' is how some 1990s etexts open a single quote
        return "open"
    if mark == "”":
        return "close"
    if style == SINGLE and (before.isalnum() and after.isalnum()):
        return None  # an apostrophe inside a word: don’t, o’clock
    can_open = (before.isspace() or before in "([{—–-_\"“") and not after.isspace()
    can_close = not before.isspace() and (after.isspace() or not after.isalnum())
    if style == SINGLE:
        if can_open and mark == "’":
            return None  # curly ’ never opens: ’tis, ’em
        if can_open and _word_at(text, pos + 1).lower() in ELISIONS:
            return None
        if can_close and before in "sS" and _plural_possessive(text, pos, end):
            return None
    if can_open and not can_close:
        return "open"
    if can_close and not can_open:
        return "close"
    return "either"


def _word_at(text: str, pos: int) -> str:
    m = re.match(r"[A-Za-z]+", text[pos : pos + 12])
    return m.group(0) if m else ""


def _plural_possessive(text: str, pos: int, end: int) -> bool:
    """`the boys’ room`: an s’ followed by a lowercase word, with a real closing mark still to come."""
    if not re.match(r"[’'] [a-z]", text[pos : pos + 3]):
        return False
    rest = text[pos + 1 : end]
    return bool(re.search(r"(?<=[^\s])[’'](?![A-Za-z])", rest))


def _join_pieces(text: str, pieces: list[_Piece], paragraphs: list[Paragraph]) -> list[Quote]:
    """Pieces of one utterance become one Quote: same paragraph and close together, or run-on."""
    quotes: list[Quote] = []
    previous = None
    for piece in pieces:
        same_paragraph = previous is not None and previous.paragraph == piece.paragraph
        joins = previous is not None and (
            previous.runs_on and piece.paragraph == previous.paragraph + 1 and piece.start == paragraphs[piece.paragraph].start + 1
            or same_paragraph and not previous.runs_on and piece.start - previous.end <= MAX_JOIN_GAP
            and not _second_speech_act(text[previous.end : piece.start], text[previous.start : previous.end])
            and not (len(quotes[-1].spans) == 1 and _introduced_by_another(
                text[paragraphs[piece.paragraph].start : quotes[-1].spans[0][0]], text[previous.end : piece.start]))
            and not _tagged_twice(text[previous.end : piece.start], text[piece.end + 1 : piece.end + 101])
        )
        span = _trim(text, piece.start, piece.end)
        if span is None:  # an empty pair of marks ('""') or punctuation only
            continue
        if joins and quotes:
            quotes[-1].spans.append(span)
            quotes[-1].last_paragraph = piece.paragraph
        else:
            quotes.append(Quote([span], piece.paragraph, piece.paragraph))
        previous = piece
    for quote in quotes:
        quote.text = join_pieces([" ".join(text[s:e].split()) for s, e in quote.spans])
    return quotes


# Words that start a new sentence when they follow a piece ending in a comma: 'as much,' + 'But how'.
_SENTENCE_OPENERS = set("""But And Or So Yet Now Then Well Oh Ah No Yes What Why How Where When Who Which
The This That These Those There It He She We They You My Our Your His Her Their Do Does Did Is Are Was
Were Will Would Shall Should Can Could May Might Must Have Has Had If Let Pray Come Go Look Perhaps
Indeed Nay Besides However Still In On At To From With Without By For After Before As Because Since
Although Though Unless Until While Not All Every Each Some Any Many Much More Most Only Even Just Here
Once Never Always Sometimes Nothing Everything Everybody Nobody Somebody Someone Everyone Anyone
Anything Something Please Thank Thanks Very Quite Surely Certainly""".split())


def join_pieces(pieces: list[str]) -> str:
    """The pieces of one quotation, its speech tags taken out, as well-formed sentences:
    `"I suspected as much," said she, "But how..."` -> `I suspected as much. But how...`."""
    out = ""
    for piece in pieces:
        if out and out[-1] in ",;" and piece.split(" ", 1)[0].strip("—-") in _SENTENCE_OPENERS:
            out = out[:-1] + "."
        out = f"{out} {piece}" if out else piece
    return out


def as_line(text: str) -> str:
    """A quotation's words as a line of dialogue: the comma its speech tag followed ends the
    sentence, and a quotation that opens mid-sentence starts with a capital:
    `funny angels in hoods and mittens,` -> `Funny angels in hoods and mittens.`"""
    text = text.strip()
    if text[-1:] in (",", ";", ":"):
        text = text[:-1].rstrip() + "."
    return text[:1].upper() + text[1:] if text[:1].islower() else text


# A subject right before a speech verb: `the Gryphon `, `his aunt `, `she `, `Fearenside ` (an adverb may follow).
_SUBJECT_BEFORE = re.compile(rf"(?:\b(?:he|she|they|I)|\b{CAP_WORD}|\b(?:the|his|her|their|my|a|an)\s+(?:[a-z]+\s+){{0,2}}[a-z]+)\s+(?:[a-z]+ly\s+)?$")


def _second_speech_act(gap: str, piece: str = "") -> bool:
    """`"I mean it," the Turtle replied. And the Gryphon added "Come..."`: a new sentence with its
    own speech verb between two pieces starts another utterance (maybe another speaker's).
    So does narration that follows a piece ending its sentence (`"Sit down." Catherine was sorry,
    and Isabella, who ..., said, "...`) when it ends by introducing the next piece."""
    body = gap.strip(QUOTE_MARKS + " \n")
    if not body:  # `"Not your sherry?"  "Why, I have got out of the habit"`: one speaker would go on in one quote
        return True
    later = re.split(rf"{SENTENCE_END}(?=[A-Z])", body, maxsplit=1)
    if len(later) == 2 and SPEECH_VERB.search(later[1]):
        return True
    if re.search(r"[,:\u2014\u2013-]$", body) is None:  # the narration does not introduce the next piece
        return False
    first, next_one = speech_tag(body), speech_tag("", body)
    if first and next_one and first.phrase != next_one.phrase:  # `was Mary's reasoning; and Elizabeth's reply was,`
        return True
    verbs = list(SPEECH_VERB.finditer(body))
    if len(verbs) >= 2 and _SUBJECT_BEFORE.search(body[: verbs[-1].start()]):  # `Alice replied, so eagerly that
        return True  # the Gryphon said,`; not `said Jo, and then added,` (the second verb has no subject of its own)
    closed = re.search(r"[.!?][\s_*)]*$", piece.rstrip(QUOTE_MARKS + " \n")) is not None
    return closed and body[:1].isupper() and bool(SPEECH_VERB.search(body))


def _introduced_by_another(before: str, gap: str) -> bool:
    """`when Mrs. Sparsit said, "You want your breakfast," Mr. Bounderby replied, "If I waited..."`: the
    narration before the first piece names its speaker, and the tag between the pieces another."""
    tagged = speech_tag(gap.strip(QUOTE_MARKS + " \n"))
    if tagged is None or tagged.kind != "name":
        return False
    introduced = speech_tag("", before.rstrip(QUOTE_MARKS + " \n"))  # the slower test second
    return introduced is not None and introduced.kind == "name" and introduced.phrase != tagged.phrase


def _tagged_twice(gap: str, after: str) -> bool:
    """`"No," said Mr. Bumble. "Yes," said the matron.`: a tag that ends its sentence between the
    pieces and another tag after the second: two utterances, each with its own tag."""
    body = gap.strip(QUOTE_MARKS + " \n")
    return bool(re.search(r"[.!?]$", body)) and SPEECH_VERB.search(body) is not None and speech_tag(after) is not None


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span without surrounding whitespace; None when nothing worth keeping is inside."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if not any(ch.isalnum() for ch in text[start:end]):
        return None
    return start, end


QUOTE_MARKS = "\"“”‘’'`"


@dataclass
class Around:
    """The narration next to one Quote, with the marks stripped.

    before: from the start of its first paragraph (or the end of an earlier quote there) to it;
        for a quote that opens its paragraph, the paragraph before when that is all narration.
    after: from its end to the next quote in its last paragraph (or the paragraph's end).
    gaps: the narration between its pieces (`said Jo,` in `"Well," said Jo, "I never!"`).
    """

    before: str
    after: str
    gaps: list[str]


_INTRODUCES = re.compile(r"(?:[,:\u2014\u2013-]|[a-z])$")  # ends on a comma, colon, dash, or a word (a dash lost in transcription)


def narration_around(text: str, quotes: list[Quote], paragraphs: list[Paragraph]) -> list[Around]:
    """One Around per quote, same order."""
    result = []
    for i, quote in enumerate(quotes):
        previous = quotes[i - 1] if i > 0 else None
        following = quotes[i + 1] if i + 1 < len(quotes) else None
        start = paragraphs[quote.first_paragraph].start
        if previous is not None and previous.last_paragraph == quote.first_paragraph:
            start = previous.end
        end = paragraphs[quote.last_paragraph].end
        if following is not None and following.first_paragraph == quote.last_paragraph:
            end = following.start
        gaps = [text[a:b].strip(QUOTE_MARKS + " \n") for (_, a), (b, _) in zip(quote.spans, quote.spans[1:])]
        before = text[start : quote.start].rstrip().rstrip(QUOTE_MARKS).rstrip()
        lead = quote.first_paragraph - 1  # `Lydia laughed, and said,` often ends the paragraph before
        if not before and lead >= 0 and not paragraphs[lead].heading:
            if previous is None or previous.last_paragraph < lead:
                before = text[paragraphs[lead].start : paragraphs[lead].end]
            elif previous.last_paragraph == lead:
                # `"Come here," took her out. In a few minutes, Mrs. Bennet called out,` then the quote:
                # narration after the paragraph's last quote that does not end its sentence introduces the next
                tail = text[previous.end : paragraphs[lead].end].strip(QUOTE_MARKS + " \n")
                if _INTRODUCES.search(tail):
                    before = tail
        after = text[quote.end : end].lstrip(QUOTE_MARKS + " \n").rstrip().rstrip(QUOTE_MARKS)
        result.append(Around(before.lstrip(QUOTE_MARKS), after, gaps))
    return result
