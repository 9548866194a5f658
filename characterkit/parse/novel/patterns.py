"""The words that tie a quotation to its speaker: speech verbs, titles, pronouns, person nouns.

`speech_tag(after, before)` finds the speech tag around a quotation, such as `said Mrs. Holloway`,
`Tobias muttered`, `she said` or `the old man said`. It returns what the tag names; it does not
decide which character that is (attribute.py does that). Both cast discovery and attribution use it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

SPEECH_VERBS = """
said says say saying replied replies answered answers asked asks cried cries exclaimed returned
rejoined observed remarked added continued resumed pursued began repeated echoed whispered
muttered murmured shouted called screamed shrieked roared bawled yelled thundered laughed chuckled
sighed sobbed groaned growled gasped panted hissed snapped sneered drawled stammered faltered
interrupted interposed retorted protested urged insisted declared explained suggested inquired
enquired demanded responded thought pleaded persisted objected agreed assented acquiesced admitted
ventured concluded proceeded submitted subjoined ejaculated blustered whimpered grumbled pouted
spoke quoth called wailed moaned breathed counselled warned begged implored entreated commanded
ordered announced observed mused reflected cackled demurred cautioned blubbered lisped simpered
giggled jeered scoffed
cooed uttered purred crowed croaked barked snarled grunted squeaked squealed piped chirped trilled
howled wept bellowed hollered rasped wheezed mumbled babbled prattled gushed sang chanted intoned
recited mimicked mocked teased scolded chided reproached rebuked reproved retorted countered
confessed conceded allowed owned granted acknowledged affirmed asserted maintained contended
argued reasoned hazarded guessed supposed conjectured surmised wondered queried questioned
cried greeted hailed accosted addressed informed told assured reminded advised instructed
directed explained recounted related remonstrated expostulated exploded burst shrilled stormed
fumed raged grumbled complained lamented bewailed sniffed snorted scoffed huffed puffed
adding saying replying answering crying continuing exclaiming asking murmuring whispering
calling muttering shouting observing remarking repeating
""".split()
SPEECH_PHRASES = ["went on", "broke in", "put in", "struck in", "chimed in", "cried out", "called out"]

# Titles and the gender they imply ("" = either).
TITLES = {
    "mr": "M", "mister": "M", "mrs": "F", "miss": "F", "ms": "F", "dr": "", "doctor": "",
    "lady": "F", "sir": "M", "lord": "M", "captain": "M", "capt": "M", "colonel": "M", "col": "M",
    "major": "M", "general": "M", "madame": "F", "mme": "F", "mademoiselle": "F", "mlle": "F",
    "monsieur": "M", "signor": "M", "signora": "F", "professor": "", "prof": "", "aunt": "F",
    "uncle": "M", "master": "M", "mistress": "F", "father": "M", "mother": "F", "sister": "F",
    "brother": "M", "inspector": "", "sergeant": "", "count": "M", "countess": "F", "baron": "M",
    "duke": "M", "duchess": "F", "king": "M", "queen": "F", "prince": "M", "princess": "F",
    "rev": "M", "reverend": "M", "squire": "M", "dame": "F", "granny": "F",
}
# Titles that only ever stand before a name: alone they name nobody.
HONORIFICS = {"mr", "mrs", "ms", "miss", "mister", "dr", "mme", "mlle", "messrs", "capt", "col", "rev", "prof", "st"}
PRONOUNS = {"he": "M", "him": "M", "his": "M", "himself": "M", "she": "F", "her": "F", "hers": "F", "herself": "F"}

# Nouns that describe a person ("the old man said", "cried his wife"), with the gender they imply.
PERSON_NOUNS = {
    "man": "M", "gentleman": "M", "boy": "M", "lad": "M", "fellow": "M", "father": "M", "husband": "M",
    "brother": "M", "son": "M", "uncle": "M", "king": "M", "prince": "M", "lord": "M", "master": "M",
    "sir": "M", "youth": "M", "clergyman": "M", "doctor": "", "baronet": "M", "landlord": "M",
    "woman": "F", "lady": "F", "girl": "F", "mother": "F", "wife": "F", "sister": "F", "daughter": "F",
    "aunt": "F", "queen": "F", "princess": "F", "mistress": "F", "maid": "F", "landlady": "F",
    "widow": "F", "housekeeper": "F", "friend": "", "companion": "", "stranger": "", "visitor": "",
    "child": "", "cousin": "", "guest": "", "host": "M", "hostess": "F", "servant": "", "officer": "M",
    "other": "", "detective": "", "inspector": "", "professor": "",
}

_VERB = "(?:" + "|".join(sorted(SPEECH_PHRASES + SPEECH_VERBS, key=len, reverse=True)) + r")\b"
# Only an abbreviation takes a period ('Mr. Bennet'); after a whole word ('the King.') it ends a sentence.
_ABBREVIATED = {"mr", "mrs", "ms", "dr", "capt", "col", "mme", "mlle", "prof", "rev"}
_TITLE = (r"(?:(?:" + "|".join(sorted(_ABBREVIATED, key=len, reverse=True)) + r")\.?|"
          + "|".join(sorted(TITLES, key=len, reverse=True)) + ")")
# The space between a title and its name: it may wrap a line, never open a paragraph.
_TITLE_SPACE = r"(?:[ \t]+\n?|\n)[ \t]*"
CAP_WORD = r"[A-Z][a-zA-Z]*(?:['’-][A-Za-z]+)*"
# A proper name, optionally titled: "Mrs. Holloway", "Tobias", "Mr. Frank Churchill", "the Mock Turtle",
# "Mr. E. W. B. Childers" (initials only after a title: "said I. Then" is no name).
NAME = (
    rf"\b(?:(?:the|poor|little|old|young|dear)\s+)?(?:(?i:{_TITLE}){_TITLE_SPACE}(?:[A-Z]\.\s*){{0,3}})?{CAP_WORD}"
    rf"(?:(?:\s+|-)(?:(?:de|van|von|du|la|le|of)\s+(?!(?i:{_TITLE})\b))?{CAP_WORD}){{0,3}}"  # not 'Grimwig of Mr. Brownlow'
)
# A description: `the old man`, `his wife`, `the gentleman in the white waistcoat`, `the barman`,
# `the apothecary's deputy`.
_PREPOSITION = r"(?:in|with|of|from|at|on|by|to|and|as|who|whose|which|that|for|but|or)\b"
_NOT_IN_DESCRIPTION = rf"(?:{_PREPOSITION}|(?:he|she|it|they|we|you)\b)"  # 'that she could not' is a clause
_DESCRIPTOR = (
    rf"(?:the|his|her|my|their|our|your|this|that|a|an|one\s+of\s+the)\s+(?:(?!{_NOT_IN_DESCRIPTION})[a-z]+(?:['’]s)?[\s-]+){{0,2}}(?!{_NOT_IN_DESCRIPTION})[a-z]+\b"
    rf"(?:\s+(?:in|with|of)\s+(?:the|a|an|his|her)\s+(?:(?!{_PREPOSITION})[a-z]+\s+)?[a-z]+\b)?"
)
_PRONOUN = r"(?:he|she|I)\b"
# Epithets before a name: `the gallant Mr. Elton`, `the good-hearted Mrs. John Knightley` (no person noun
# among them: `the man Emma had met` is a description).
_NOT_PERSON = "(?!(?:" + "|".join(PERSON_NOUNS) + r")\b)"
_EPITHET_NAME = rf"(?:the|poor|dear)\s+(?:{_NOT_PERSON}[a-z][a-z-]*\s+){{1,2}}(?=(?i:{_TITLE})\s|[A-Z]){NAME}"
_SUBJECT = rf"(?P<subject>{_PRONOUN}|{_EPITHET_NAME}|{_DESCRIPTOR}|{NAME})"
_ADVERB = r"(?:[a-z]+ly\s+|again\s+|then\s+|thus\s+|at\s+last\s+|now\s+)?"

# After the quote: `said Jo`, `said he`, `replied the old man`; or `Jo said`, `she cried`.
_VERB_FIRST = re.compile(rf"^[\s,;:!?.—–-]*{_ADVERB}{_VERB}(?:\s+(?:out|again|aloud|softly|quietly|presently))?\s+{_SUBJECT}")
_SUBJECT_FIRST = re.compile(rf"^[\s,;:—–-]*{_SUBJECT}(?:,\s+[a-z][^,\"“”]{{0,40}},)?\s+{_ADVERB}{_VERB}")
# Any past-tense verb in the tag's shape counts when the tag ends right after it: `" Emma demurred.`,
# `" blubbered Noah.`, `" Mr. Childers interpreted.` (the verb list cannot hold every verb).
_ANY_VERB_AFTER = re.compile(rf"^[\s,;:—–-]*(?:{_SUBJECT}\s+{_ADVERB}[a-z]+ed|[a-z]+ed\s+{_SUBJECT.replace('subject', 'inverted')})\s*[.,;:!?—–-]")
# A sentence end: not the period of an abbreviated title ('Mr. Collins'); a whole word ('their father.')
# ends its sentence.
SENTENCE_END = "".join(f"(?<!\\b{t})(?<!\\b{t.capitalize()})" for t in sorted(_ABBREVIATED)) + r"[.!?](?:--|\s+)"
# Before the quote: `Meg said in an altered tone, "...` or `said Mr. Bennet to his wife, "...`.
_BEFORE = re.compile(rf"(?:^|{SENTENCE_END}|;\s+|,\s+|—|--)(?:(?P<lead>{_SUBJECT})\s+{_ADVERB}{_VERB}|{_VERB}\s+(?P<trail>{NAME}))(?:[^.!?;\"“”]{{0,60}})?[,:—–-]*\s*$")
# `was Mrs Smith's answer`, `were the first words of Captain Wentworth` after the quote, and
# `Mary's reply was,` before it.
_WORDS = (r"(?:answer|reply|remark|words|question|exclamation|cry|consolation|language|reasoning|comment|retort|rejoinder|response|"
          r"speech|greeting|observation|declaration|information|supplement|addition|apology|explanation|assurance|request|"
          r"entreaty|inquiry|enquiry|advice|protest|complaint|reproach|salutation|farewell)")
_POSSESSIVE_AFTER = re.compile(rf"^[\s,;:!?.—–-]*(?:was|were|is|came)\s+(?:(?:the|his|her)\s+(?:[a-z]+\s+)?{_WORDS}\s+of\s+)?(?P<subject>{NAME})(?:['’]s)?\b")
_POSSESSIVE_BEFORE = re.compile(rf"(?:(?P<subject>{NAME})['’]s\s+(?:[a-z]+\s+)?{_WORDS}\s+(?:was|were)[^.!?\"“”]{{0,30}}"
                                rf"|{_WORDS}\s+from\s+(?P<source>{NAME})(?:,\s+of)?)[,:—–-]*\s*$")  # `this information from Mary:--`

# 'for' joins a clause (`for Elizabeth was replying`) or governs a noun (`blushed for her friend`).
_NO_DETERMINER = r"(?!(?:the|his|her|my|their|our|your|this|that|a|an)\b)"
# A clause that introduces the quote after it: `Mr. Collins joining in, observed,` or
# `At length Darcy spoke, and in a constrained manner said,` (the last subject before the verb).
_CLAUSE_SUBJECT = re.compile(
    r"(?:^(?:[A-Z][a-z]+(?:\s+[a-z]+){0,3},\s+|(?:At\s+(?:length|last|once)|Presently|Here|Now|Soon|Afterwards|Meanwhile|Suddenly|Again|Still|Even|Only)\s+)"
    rf"|\b(?:[Aa]nd|[Bb]ut|[Ww]hen(?:ever)?|[Ww]hile|[Tt]hen|[Tt]ill|[Uu]ntil|[Aa]s|[Ww]here|[Ss]o|that(?=\s+(?:he|she)\b)|(?:[Oo]n|[Uu]pon|[Tt]o|[Aa]t)\s+which|heard|hear|without)\s+"
    rf"|^|,\s+|\bfor\s+{_NO_DETERMINER}){_SUBJECT}"
)
_LAST_CLAUSE = re.compile(rf"(?:^|{SENTENCE_END})((?:[^.!?]|(?<=\b(?:Mr|Dr|St))\.|(?<=\bMrs)\.)*)$")
SPEECH_VERB = re.compile(rf"\b{_VERB}")
# The name right before the verb, perhaps with a participle clause or auxiliaries between:
# `Mr. Darcy, drawing near Elizabeth, said`, `Emma could not help saying` (a lower-case word
# must come before it: a name opening the clause is found by _CLAUSE_SUBJECT).
_AUXILIARY = r"(?:\s+(?:could|would|did|had|was|were|not|help|began|to|then|thus|soon|at\s+once|presently)){0,4}"
# Between them, one phrase set off by commas, or a relative clause that may hold commas of its own
# (`met by Mr. Allen, who, on hearing the reason, said,`) but no subject of its own (`to Mr. Darcy, who
# was not unwilling, when she drew back, and said,` is hers).
_SET_OFF = r"(?:,\s+who\b(?:(?!\b(?:he|she|they|I|we)\b)[^;\"“”]){0,100}?,?|,\s+[a-z][^,;\"“”]{0,60},)?"
_SUBJECT_OF_VERB = re.compile(rf"(?:(?<=[a-z] )|^)(?P<subject>{NAME}){_SET_OFF}{_AUXILIARY}\s+{_ADVERB}{_VERB}$")

# Words that open sentences and are never a speaker's name: 'After an impressive pause he said'.
_NOT_NAMES = set("""I The A An It This That These Those There Then But And Or Nor So Yet For Oh Ah O Yes No Well
Nobody Everybody Somebody Anybody Everyone Someone Nothing All Both Each Either Neither After Before When
While As Once Since Until Till If Though Although Because Unless Whereupon Whereat Her His Him He She They
Them Their We Us Our You Your My Me What Why How Where Who Whom Whose Which Here Now Presently Soon
Still Again Meanwhile Suddenly At In On Upon With Without By From Into Only Even Just Perhaps Indeed
Some Many Most Such Several Another Other One Two Three Every Any Not Never Also Thus Hence Accordingly
Afterwards Instantly Immediately Finally Lastly First Next Hereupon Thereupon Therefore Turning Looking Seeing
Tis Twas Twill Twere Twould""".split())  # the last: 'Tis, 'Twas with the apostrophe read as a quote mark
# A contraction is no name either, though capitalised and with an apostrophe as O'Brien has: "I'll say",
# "We're told", "Don't".
_CONTRACTION = re.compile(r"[A-Z][a-z]*['’](?:ll|m|d|ve|re|t)|(?:It|He|She|That|There|What|Who|Here|Let)['’]s")


def not_a_name(word: str) -> bool:
    """Whether a capitalised word opening a phrase is never a speaker's name ('Then', 'After', "I'll")."""
    return word in _NOT_NAMES or bool(_CONTRACTION.fullmatch(word))


@dataclass
class Tag:
    """What a speech tag names: kind is 'name', 'pronoun', 'descriptor' or 'narrator' ('I')."""

    kind: str
    phrase: str
    gender: str = ""  # "M", "F", "" when the words do not say, "?" for a noun not known as a person
    where: str = ""  # 'after', 'before' or 'gap'


def speech_tag(after: str, before: str = "") -> Tag | None:
    """The speech tag in the narration just after a quote, else just before it; None when there is none.
    A tag before the quote wins over narration after it that introduces the next quote (`Mr. Bounderby
    replied,`) or that only has some verb (`Mrs. Sparsit complied.`).

    `after` starts right after the closing mark (only its first ~100 characters matter);
    `before` ends right at the opening mark.
    """
    head = after[:100]
    m = _VERB_FIRST.match(head) or _SUBJECT_FIRST.match(head) or _POSSESSIVE_AFTER.match(head)
    tag = _tag(m.group("subject"), "after") if m else None
    if tag is not None and not _INTRODUCES_NEXT.match(after):
        return tag
    # narration after the quote that ends as a quote is introduced (`"...heart," Mr. Bounderby replied,
    # "..."` where the two are not one utterance) is the next quote's tag, and any verb after the quote
    # (`Mrs. Sparsit complied`) counts only when no speech verb before it names the speaker
    m = _ANY_VERB_AFTER.match(head)
    return _tag_before(before) or tag or (_tag(m.group("subject") or m.group("inverted"), "after") if m else None)


# The whole narration after a quote is one short clause ending in a comma or colon: it introduces the next.
_INTRODUCES_NEXT = re.compile(rf"(?:(?!{SENTENCE_END})[^!?;\"“”]){{0,60}}[,:—]\s*$")


def _tag_before(before: str) -> Tag | None:
    m = _BEFORE.search(before[-160:])
    if m:
        return _tag(m.group("lead") or m.group("trail"), "before")
    m = _POSSESSIVE_BEFORE.search(before[-160:])
    if m:
        return _tag(m.group("subject") or m.group("source"), "before")
    return _introducing_clause(before[-300:])


# A sentence that ends by saying someone starts or goes on speaking introduces the quote after it as a
# comma would: `till Sir William thus began.`, `Mr. Sikes continued.`
_STARTS_SPEAKING = re.compile(r"\b(?:began|continued|resumed|spoke|proceeded|went\s+on)(?:\s+(?:again|now|first))?\.$")


# A clause set off by commas just before the verb has a subject of its own (`Mr. Collins listened, and
# when she ceased speaking, replied`): it is not the speaker.
_SUBORDINATE_BEFORE_VERB = re.compile(
    r",\s+(?:and\s+)?(?:when|whenever|while|as|after|before|till|until|if|though|although|since)\s+[^,;]*,\s+$")


# A speech verb and then only how it was said, up to where the quote opens with no stop between:
# `then said`, `said to herself`, `said in a low voice`, `cried out, like a man waking from sleep`.
_ONLY_MANNER = re.compile(
    rf"(?!called$){_VERB}(?:\s+(?:out|aloud|again|once|more|[a-z]+ly|to\s+(?:him|her|it|them)(?:self|selves)?|to\s+(?:the\s+)?[A-Z][a-z]+))*"
    r"(?:,?\s+(?:in|with|like)\s+(?:(?!\b(?:that|which|who)\b)[^,;:]){0,60})?")

# `replied, that he was`: a subject right after a speech verb and `that` is in what was said.
_REPORTED = re.compile(rf"{_VERB},?\s+that\s+$")


def _introducing_clause(before: str) -> Tag | None:
    """The subject of a last sentence that ends in a speech verb and a comma, colon or dash, or in a
    speech verb and only how it was said, with no stop before the quote."""
    before = before.rstrip()
    if _STARTS_SPEAKING.search(before):
        before = before[:-1] + ","
    m = _LAST_CLAUSE.search(before)
    if not m or not re.search(r"(?:[,:—–-]|[a-z])\s*$", m.group(1)):
        return None
    clause = m.group(1).strip().lstrip("-—– ")  # narration that opens with a dash: `"could not stay."--He met her … said,`
    verbs = list(SPEECH_VERB.finditer(clause))
    if not verbs:
        return None
    if clause[-1].isalpha() and not _ONLY_MANNER.fullmatch(clause[verbs[-1].start():]):
        return None  # no stop: only `said in a low voice "...` introduces; not `what she called "a Powler"`
    head = _SUBORDINATE_BEFORE_VERB.sub(" ", clause[: verbs[-1].start()])
    near = _SUBJECT_OF_VERB.search(clause[: verbs[-1].end()])  # 'did Mr. Bennet say', 'Mr. Darcy, drawing near, said'
    if near and _tag(near.group("subject"), "before"):
        return _tag(near.group("subject"), "before")
    tags = [_tag(s.group("subject"), "before") for s in _CLAUSE_SUBJECT.finditer(head)
            if not _REPORTED.search(head[: s.start("subject")])]  # 'replied, that he was': what was said
    tags = [t for t in reversed(tags) if t is not None]  # the last subject before the verb first
    people = [t for t in tags if t.gender != "?"]  # 'for the present' is no speaker
    return (people or tags or [None])[0]


# A manner after a description in a tag (`said the child in a moment`, `the old lady with a curious
# smile`), not what singles the person out (`the man with a wooden leg`).
_MANNER = re.compile(r"\s+in\s+an?\s+|\s+with\s+an?\s+(?:[a-z]+\s+){0,2}?(?:smile|sigh|laugh|nod|look|glance|grin|shrug|"
                     r"frown|bow|voice|tone|air|rap|start|groan|chuckle|sneer|whisper|cry|shout|wink|gesture|wave|"
                     r"jerk|toss|shake|quaver|sob|yawn|cough|twinkle|blush|flourish|tremor|gasp|snort|scowl|stare)\b")
# Words after a description in a tag that are no part of it (`said the girl aloud`).
# (and a verb: 'as the hours went on').
_NOT_A_NOUN = set("aloud somewhat again too still then now once back up down out off away here there at very went".split()) | set(SPEECH_VERBS)
# Nouns ending like a participle (`the funny little thing`, `the old king`).
_ING_NOUNS = set("thing king darling being sibling underling stripling foundling duckling nursling viking".split())


def _tag(subject: str, where: str) -> Tag | None:
    subject = re.sub(r"['’]s$", "", " ".join(subject.split()))  # "Mrs Smith's answer"
    lower = subject.lower()
    if subject == "I":
        return Tag("narrator", subject, "", where)
    if lower in ("he", "she"):
        return Tag("pronoun", lower, PRONOUNS[lower], where)
    words = _MANNER.split(subject)[0].split()  # 'said the child in a moment', 'with a curious smile': a manner
    while len(words) > 2 and words[-1].islower() and words[-1] not in PERSON_NOUNS and words[-1] not in _ING_NOUNS and (
            words[-1].endswith(("ly", "ing")) or words[-1] in _NOT_A_NOUN):
        words = words[:-1]  # 'said the old man mildly', 'the valet somewhat', 'the boy falling': no part of the person
    subject = " ".join(words)
    first = subject.split()[0]
    if first.islower() and subject.split()[-1].islower():
        noun = description_head(subject).split()[-1]
        # a noun we do not know as a person ('the barman') may still be a name in a given cast
        return Tag("descriptor", subject, PERSON_NOUNS.get(noun, "?"), where)
    if first.islower():  # "poor Jo" -> "Jo", "the gallant Mr. Elton" -> "Mr. Elton"
        subject = " ".join(re.sub(r"^(?:[a-z][a-z-]*\s+)+", "", subject).split())
    words = strip_article(subject).split()
    while words and not_a_name(words[0]):  # 'Then Jo' -> 'Jo'; 'After' -> nobody
        words = words[1:]
    name = " ".join(words)
    if not name[:1].isupper():
        return None
    if name.rstrip(".").lower() in HONORIFICS:  # a bare 'Mr' or 'Mrs' names nobody ('the Queen' does)
        return None
    return Tag("name", name, title_gender(name), where)


def description_head(phrase: str) -> str:
    """'the gentleman in the white waistcoat' -> 'the gentleman'."""
    return re.split(r"\s+(?:in|with|of)\s+", phrase, maxsplit=1)[0]


def strip_article(name: str) -> str:
    """'the Mock Turtle' -> 'Mock Turtle'; 'poor little Jo' -> 'Jo'; 'Little Charles' stays."""
    return re.sub(r"^(?:(?:[Tt]he|poor|little|old|young|dear)\s+)+", "", name.strip())


def title_of(name: str) -> str:
    """The leading title of a name, lower-case without its period ('' when none)."""
    first = name.split()[0].rstrip(".").lower() if name.split() else ""
    return first if first in TITLES and " " in name.strip() else ""


def title_gender(name: str) -> str:
    return TITLES.get(title_of(name), "")


def name_key(name: str) -> str:
    """How names are compared: case, periods, apostrophes, articles and spacing do not matter."""
    name = strip_article(name.replace("’", "'"))
    return " ".join(name.replace(".", " ").lower().split())


_DIALOGUE_LINE = re.compile(rf"[\"“”‘’][^\"“”]{{0,80}}\b{_VERB}|\b{_VERB}[^\"“”]{{0,40}}[\"“‘]")


def dialogue_line(line: str) -> bool:
    """Whether a line of prose holds a quotation with a speech verb next to it (format detection)."""
    return bool(_DIALOGUE_LINE.search(line))


# Calling someone by name inside a quote: `"Mara, ..."`, `"..., Mara."`, `"..., Mara, ..."`.
_VOCATIVE_LEAD = r"(?:(?:oh|ah|o|well|yes|no|nay|pray|come|now|why|my\s+dear(?:est)?|dear(?:est)?|my|good|poor)[,!]?\s+)*"
_VOCATIVE_START = re.compile(rf"^{_VOCATIVE_LEAD}(?P<name>{NAME})\s*[,!?;—]")
_VOCATIVE_END = re.compile(rf"[,;!—-]\s*{_VOCATIVE_LEAD}(?P<name>{NAME})\s*(?:[.!?]+(?=\s)|[.!?]*$)")  # any sentence's end
_VOCATIVE_MID = re.compile(rf",\s+{_VOCATIVE_LEAD}(?P<name>{NAME})(?=,)(?!,\s+(?:and|or|nor)\s+(?!I\b){NAME})")  # not a list: 'Miss Nash, and Miss Prince'
_NOT_ADDRESSED = {"God", "Lord", "Heaven", "Heavens", "Oh", "Ah", "Yes", "No", "Well", "Why", "Come", "Now", "Pray", "I"}


def vocative_names(quote_text: str) -> list[str]:
    """The names a quote calls someone by (`"Tell me, Mara, ..."`), as written; a bare title
    ('Sir', 'Madam') is no name."""
    names = []
    for pattern in (_VOCATIVE_START, _VOCATIVE_END, _VOCATIVE_MID):
        for m in pattern.finditer(quote_text):
            name = strip_article(m.group("name"))
            if (name not in names and name not in _NOT_ADDRESSED and name.rstrip(".").lower() not in TITLES
                    and name.split()[0] not in ("A", "An")):  # 'An Invisible Man!' exclaims, calls nobody
                names.append(name)
    return names


# `said to Ronny`, `turning to Mrs. Moore, said`, `he asked Adela`: who a speech is said to.
_SAID_TO = re.compile(rf"\b(?:{_VERB}(?:\s+[a-z]+ly)?\s+to|(?:asked|asks|told|tells|answered|addressed|informed|assured|reminded|begged|"
                      rf"implored|entreated|urged|warned|thanked|interrupted)|turning\s+to|turned\s+to)\s+(?P<name>{NAME})")


def addressed_in_narration(narration: str) -> list[str]:
    """The names the narration next to a quote says it is spoken to (`had said to Ronny:`)."""
    names = []
    for m in _SAID_TO.finditer(narration):
        name = m.group("name")
        words = strip_article(name).split()
        if words and not not_a_name(words[0]) and name[:1].isupper() and name.rstrip(".").lower() not in HONORIFICS:
            names.append(" ".join(words))
    return names


def quote_tag(around) -> Tag | None:
    """The speech tag of one quote (a quotes.Around): in the narration between its pieces first."""
    for gap in around.gaps:
        tag = speech_tag(gap)
        if tag:
            tag.where = "gap"
            return tag
    return speech_tag(around.after, around.before)


NARRATOR = "Narrator"  # the first-person narrator's name when the quotes never call them anything


# A first-person book: its narrator's own `I said` tags are at least this share of the tags that name
# a speaker (measured: 0.52 in The Sign of the Four; 0.007 at most in third-person novels, where they
# come from letters quoted in the text).
FIRST_PERSON_SHARE = 0.05


def narrator_name(quote_texts: list[str], tags: list) -> str | None:
    """In a first-person book (three `I said` tags or more, FIRST_PERSON_SHARE of the naming tags),
    the name the quotes next to the narrator's own call someone by most often: who the narrator is
    ('Watson'). None otherwise: an `I said` in a letter of a third-person book names nobody."""
    mine = {i for i, tag in enumerate(tags) if tag is not None and tag.kind == "narrator"}
    named = sum(tag is not None and tag.kind == "name" for tag in tags)
    if len(mine) < 3 or len(mine) < FIRST_PERSON_SHARE * (len(mine) + named):
        return None
    called = Counter()
    for i in mine:
        for j in (i - 1, i + 1):
            if 0 <= j < len(quote_texts) and j not in mine:
                called.update(vocative_names(quote_texts[j]))
    for name in list(called):
        if not_a_name(name.split()[0]):  # an interjection ('What, ...') is nobody's name
            del called[name]
    name, count = called.most_common(1)[0] if called else ("", 0)
    return name if count >= 2 else NARRATOR
