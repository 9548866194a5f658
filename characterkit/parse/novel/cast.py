"""The cast of a novel: characters, their aliases and genders, found in the text or read from a file.

    scan_cast(text) -> Cast      who speaks, from speech tags (`said Mrs. Holloway`) and name mentions
    load_cast(path) -> Cast      a user's cast file, which overrides discovery

Discovery keeps the names that the text ties to a quotation through a speech tag, then merges the
spellings of one person: `Elizabeth Bennet`, `Miss Elizabeth` and `Elizabeth` become one character
when no other character could own the shorter form; `Mr. Bennet` and `Mrs. Bennet` never merge
(different titles), and `Bennet` alone, which could be either, is left out.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from characterkit.errors import UserError, closest
from characterkit.parse.novel.matter import blank_matter
from characterkit.parse.novel.patterns import HONORIFICS, NAME, PERSON_NOUNS, TITLES, name_key, narrator_name, quote_tag, strip_article, title_of
from characterkit.parse.novel.quotes import find_quotes, narration_around, split_paragraphs

GENDER_WORDS = {"m": "M", "male": "M", "man": "M", "f": "F", "female": "F", "woman": "F",
                "": "", "u": "", "x": "", "unknown": "", "?": ""}
# A name the text ties to a quote fewer times than this is left out of a discovered cast,
# unless the narration also mentions it often (MIN_MENTIONS).
MIN_TAGS = 2
MIN_MENTIONS = 2
# A capitalised word after 'the' seen this often (and four times as often as in lower case) is a name.
MIN_EPITHET = 5
# 'Mr. John Knightley' and 'Mr. Knightley' named together in this many paragraphs are two men (_brothers).
MIN_TOGETHER = 3


@dataclass(eq=False)  # compared by identity: two characters may share a spelling
class Character:
    """One person: the display name, every spelling that refers to them, and a gender ('M', 'F', '')."""

    name: str
    aliases: list[str] = field(default_factory=list)
    gender: str = ""
    count: int = 0  # how many quotes the text ties to them by a speech tag (discovery only)
    may_be: list[str] = field(default_factory=list)  # 'Miss Bennet': the sisters it may name, kept apart

    def __post_init__(self):
        if self.name not in self.aliases:
            self.aliases.insert(0, self.name)

    def copy(self) -> "Character":
        """A copy whose alias lists can be extended without touching this one."""
        return Character(self.name, list(self.aliases), self.gender, self.count, list(self.may_be))


def _data_table(name: str) -> dict:
    """A YAML table of characterkit/data (nicknames, given names)."""
    import yaml

    return yaml.safe_load((Path(__file__).resolve().parents[2] / "data" / name).read_text(encoding="utf-8"))


def default_nicknames() -> dict[str, list[str]]:
    """{nickname (lower case): [formal names]} from characterkit/data/nicknames.yaml."""
    if not _NICKNAMES:
        table = _data_table("nicknames.yaml")
        for formal, nicks in table.items():
            for nick in nicks:
                _NICKNAMES.setdefault(nick.lower(), []).append(formal)
    return _NICKNAMES


_NICKNAMES: dict[str, list[str]] = {}


class Cast:
    """The characters of one book, looked up by any alias (see `name_key` for what is ignored).

    A single word nobody is listed under may be a nickname ('Lizzy'): it names the one character
    one of its formal names ('Elizabeth') names, from the nicknames table plus `nicknames`
    ({nick: formal}, a cast file's `nicknames:` key).
    """

    def __init__(self, characters: list[Character], origin: str = "discovered", nicknames: dict[str, str] | None = None):
        self.characters = list(characters)
        self.origin = origin  # 'discovered' or the cast file's path
        self.joined: dict[str, str] = {}  # lone names joined to a fuller entry (join_lone_names)
        self.extra_nicknames = dict(nicknames or {})
        self.nicknames = {k: list(v) for k, v in default_nicknames().items()}
        for nick, formal in self.extra_nicknames.items():
            self.nicknames.setdefault(nick.lower(), []).insert(0, formal)
        self._index: dict[str, list[Character]] = defaultdict(list)
        self._words: dict[str, list[Character]] = defaultdict(list)  # 'charles' -> Charles Musgrove, ...
        self._surnames: dict[str, list[Character]] = defaultdict(list)  # 'bates' -> Charley Bates (not Mrs. Bates)
        for character in self.characters:
            for alias in character.aliases:
                _add(self._index[name_key(alias)], character)
                words = name_key(alias).split()
                for word in _own_words(alias, words):
                    _add(self._words[word], character)
                if len(words) > 1 and not title_of(alias):
                    _add(self._surnames[words[-1]], character)

    def listing(self, names: list[str]) -> "Cast":
        """A copy that also lists these names as characters (people attribution found the text
        knows only by a description, 'The Mariner'): for showing the cast, after attribution."""
        if not names:
            return self
        listed = Cast([*self.characters, *(Character(n) for n in names)], self.origin, self.extra_nicknames)
        listed.joined = dict(self.joined)
        return listed

    def __iter__(self):
        return iter(self.characters)

    def __len__(self):
        return len(self.characters)

    def names(self) -> list[str]:
        return [c.name for c in self.characters]

    def resolve(self, phrase: str) -> list[Character]:
        """The characters `phrase` may name: exact alias first, then without its title, then its words.

        'Jim Vane' finds 'Jim', 'Then Jo' finds 'Jo'; 'Mr. Darcy' finds the owner of 'Darcy' when only 'Darcy' is listed,
        provided the title's gender fits. An empty list means nobody; several mean ambiguous.
        """
        found = self._index.get(name_key(phrase))
        if found:
            return found
        words = strip_article(phrase).split()
        title = title_of(phrase)
        if title and len(words) > 1:
            gender = TITLES[title]
            owners = self._index.get(name_key(" ".join(words[1:])), [])
            if not owners and len(words) > 2:  # 'Master Charles Bates': as 'Charles Bates' would be read
                owners = self.resolve(" ".join(words[1:]))
            if not owners and len(words) == 2:  # 'Master Bates': the one listed with the family name Bates
                owners = self._surnames.get(name_key(words[1]), [])
            owners = [c for c in owners if not gender or c.gender in ("", gender)]
            if owners:
                return owners
            return []
        # 'Jim Vane' -> 'Jim' (a first name says more than a family name), 'Then Jo' -> 'Jo'
        for part in [words[:i] for i in range(len(words) - 1, 0, -1)] + [words[i:] for i in range(1, len(words))]:
            owners = self._index.get(name_key(" ".join(part)))
            if owners:
                return owners
        if len(words) == 1:  # a first or family name the list only has inside longer names
            return self._words.get(name_key(words[0]), []) or self._nickname(words[0])
        return []

    def _nickname(self, word: str) -> list[Character]:
        """'Lizzy' -> the one character called Elizabeth (nobody when two could be)."""
        owners: list[Character] = []
        for formal in self.nicknames.get(word.lower(), []):
            for character in self._index.get(name_key(formal)) or self._words.get(name_key(formal), []):
                _add(owners, character)
        return owners if len(owners) == 1 else []

    def is_alias(self, phrase: str) -> bool:
        """Whether `phrase` is one of the listed spellings (not a part of one, nor a retitled one)."""
        return name_key(phrase) in self._index

    def get(self, phrase: str) -> Character | None:
        """The one character `phrase` names, or None when it names nobody or is ambiguous."""
        found = self.resolve(phrase)
        return found[0] if len(found) == 1 else None

    def merged(self, aliases: dict[str, str]) -> "Cast":
        """A copy where each {alias: name} pair makes one character: 'Lizzy' joins 'Elizabeth'.

        A name nobody in the cast has is added as a new character with the alias.
        """
        if not aliases:
            return self
        characters = [c.copy() for c in self.characters]
        merged = Cast(characters, self.origin, self.extra_nicknames)
        for alias, name in aliases.items():
            target, joining = merged.get(name), merged.get(alias)
            if target is None:
                target = Character(name, [], joining.gender if joining else "")
                characters.append(target)
            if joining is not None and joining is not target:
                characters.remove(joining)
                target.count += joining.count
            target.aliases.extend(a for a in ([alias] + (joining.aliases if joining else [])) if a not in target.aliases)
            merged = Cast(characters, self.origin, self.extra_nicknames)
        return merged

    def find(self, name: str) -> Character:
        """The character a user means by `name` (any alias); UserError listing the closest names."""
        character = self.get(name)
        if character is None:
            hint = ", ".join(closest(name, [a for c in self.characters for a in c.aliases]))
            raise UserError(f"{name!r} is not in the cast ({self.origin}); closest: {hint}")
        return character


def join_lone_names(cast: Cast) -> Cast:
    """A listed cast where an entry known by one bare word that is part of a fuller entry's name
    ('Harthouse' beside 'Mr. James Harthouse') is joined to that entry: the text's "said Harthouse"
    then goes to the person, not to a second, empty copy of them. Where several entries share the
    word, a bare surname names the man called Mr. by it ('Bounderby' -> the one listed as 'Mr.
    Bounderby', not Mrs. Bounderby); still several, or none, and the entry stays as listed.
    `cast.joined` records {lone name: the entry it joined}."""
    owner_of: dict[Character, Character] = {}
    for character in cast:
        word = _one_word(character.aliases)
        if not word:
            continue
        owners = [c for c in cast._words.get(word, []) if c is not character and not _one_word(c.aliases)]
        if len(owners) > 1:
            owners = [c for c in owners if any(name_key(a) == f"mr {word}" for a in c.aliases)]
        if len(owners) == 1:
            owner_of[character] = owners[0]
    if not owner_of:
        return cast
    copies = {c: c.copy() for c in cast if c not in owner_of}
    for lone, owner in owner_of.items():
        copies[owner].aliases.extend(a for a in lone.aliases if a not in copies[owner].aliases)
    joined = Cast(list(copies.values()), cast.origin, cast.extra_nicknames)
    joined.joined = {lone.name: owner.name for lone, owner in owner_of.items()}
    return joined


def _one_word(forms: list[str]) -> str:
    """The one bare word all of `forms` spell ('Meg', 'meg'), or '' when any is longer."""
    keys = {name_key(form) for form in forms}
    word = keys.pop() if len(keys) == 1 else ""
    return word if " " not in word else ""


def _add(owners: list, character: Character) -> None:
    if character not in owners:
        owners.append(character)


def load_cast(path: str | Path) -> Cast:
    """A cast file: a YAML list of {name, aliases, gender} (or {characters: [...]}).

        - name: Elizabeth Bennet
          aliases: [Elizabeth, Lizzy, Eliza]
          gender: F
    """
    import yaml

    path = Path(path)
    try:
        rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError("cast file not found", path=path) from None
    except yaml.YAMLError as e:
        line = e.problem_mark.line + 1 if getattr(e, "problem_mark", None) else None
        raise UserError(f"not valid YAML: {getattr(e, 'problem', e)}", path=path, line=line) from None
    nicknames = {}
    if isinstance(rows, dict) and "characters" in rows:
        nicknames = rows.get("nicknames") or {}
        if not isinstance(nicknames, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in nicknames.items()):
            raise UserError("'nicknames' must map each nickname to a name: {Lizzy: Elizabeth}", path=path)
        rows = rows["characters"]
    if not isinstance(rows, list) or not rows:
        raise UserError("a cast file is a list of characters, each with name, aliases and gender", path=path)
    return Cast([_character_from_row(row, i, path) for i, row in enumerate(rows, 1)], origin=str(path), nicknames=nicknames)


def _character_from_row(row, number: int, path: Path) -> Character:
    if isinstance(row, str):
        return Character(row.strip())
    if not isinstance(row, dict) or not isinstance(row.get("name"), str) or not row["name"].strip():
        raise UserError(f"character {number}: needs a 'name'", path=path)
    aliases = row.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [a.strip() for a in aliases.split(",")]
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise UserError(f"character {number} ({row['name']}): 'aliases' must be a list of names", path=path)
    gender = GENDER_WORDS.get(str(row.get("gender") or "").strip().lower())
    if gender is None:
        raise UserError(f"character {number} ({row['name']}): gender must be M, F or empty, not {row['gender']!r}", path=path)
    return Character(row["name"].strip(), [a.strip() for a in aliases if a.strip()], gender)


def scan_cast(text: str, quotes=None, paragraphs=None) -> Cast:
    """The characters the text ties to quotations, most tagged first (see the module docstring).

    With `quotes`, `text` is the novel with its front and back matter already blanked (as `analyse`
    blanks it before finding them); without, it is blanked here: a contents page names characters in
    titles ('Curdie Comes to Grief')."""
    if quotes is None:
        text, _ = blank_matter(text)
    paragraphs = paragraphs if paragraphs is not None else split_paragraphs(text)
    quotes = quotes if quotes is not None else find_quotes(text, paragraphs)
    narration = _blank_quotes(text, quotes)
    namelike = _namelike_words(narration)
    quote_tags = [quote_tag(around) for around in narration_around(text, quotes, paragraphs)]
    tags = Counter()
    for tag in quote_tags:
        if tag and tag.kind == "name":
            name = _clean_name(tag.phrase, namelike)
            if name:
                tags[name] += 1
    mentions = Counter(filter(None, (_clean_name(m.group(0), namelike) for m in re.finditer(NAME, narration))))
    forms = _candidate_forms(tags, mentions) - _makers(text, paragraphs) - _places(tags, mentions, text)
    voted = forms | _first_names(forms)  # first names too: 'Charles ... he'
    genders = _pronoun_votes(narration, namelike, voted)
    _add_given_name_votes(genders, voted)
    paragraph_texts = [" ".join(text[p.start:p.end].split()) for p in paragraphs]
    groups = _merge_forms(forms, tags, genders, lambda longer, shorter: _brothers(longer, shorter, paragraph_texts))
    said_together = lambda first, last: re.search(rf"\b{re.escape(first)}\s+{re.escape(last)}\b", text, re.IGNORECASE) is not None
    groups, may_be = _link_misses(groups, genders, tags + mentions, said_together)
    groups = _link_nicknames(groups, genders)
    genders = _with_title_votes(genders, voted, mentions)  # for each person's gender, not for telling a family apart
    characters = [_character(group, tags, mentions, genders, may_be.get(id(group), [])) for group in groups]
    characters = [c for c in characters if c.count >= MIN_TAGS or c.count and _mentioned(c, mentions) >= MIN_MENTIONS]
    narrator = narrator_name([q.text for q in quotes], quote_tags)
    if narrator and Cast(characters).get(narrator) is None:  # nobody writes `said Watson` in Watson's story
        mine = sum(tag is not None and tag.kind == "narrator" for tag in quote_tags)
        characters.append(Character(narrator, [narrator], "", count=mine))
    return Cast(sorted(characters, key=lambda c: -c.count))


def _blank_quotes(text: str, quotes) -> str:
    """The text with every quoted span replaced by spaces (offsets unchanged): narration only."""
    parts, pos = [], 0
    for quote in quotes:
        for start, end in quote.spans:
            parts.append(text[pos:start])
            parts.append(" " * (end - start))
            pos = end
    parts.append(text[pos:])
    return "".join(parts)


def _namelike_words(narration: str) -> set[str]:
    """Capitalised words that are names: seen capitalised mid-sentence more than in lower case, or,
    after 'the', capitalised far more often than not: an epithet used as a name ('the Voice' of a man
    nobody sees, though the book says 'a low voice' everywhere)."""
    capital, lower = Counter(), Counter()
    for m in re.finditer(r"\b[A-Za-z][a-z'’]+\b", narration):
        word = m.group(0)
        if word[0].islower():
            lower[word] += 1
        elif not _starts_sentence(narration, m.start()):
            capital[word] += 1
    after_the = Counter(m.group(1) for m in re.finditer(r"\bthe\s+([A-Za-z][a-z'’]+)\b", narration))
    epithets = {w for w, n in after_the.items() if w[0].isupper() and n >= MIN_EPITHET and after_the[w.lower()] * 4 <= n}
    return {w for w, n in capital.items() if lower[w.lower()] * 2 <= n} | epithets


_TITLE_BEFORE = re.compile(r"\b(?:" + "|".join(TITLES) + r")\.\s*$", re.IGNORECASE)


def _starts_sentence(text: str, pos: int) -> bool:
    """Whether a word at `pos` follows a sentence end, an opening mark or a paragraph start."""
    before = text[max(0, pos - 12) : pos]
    stripped = before.rstrip()
    if not stripped or "\n\n" in before[len(stripped) :]:
        return True
    if stripped[-1] in "!?\"“‘—:" or stripped.endswith("--"):
        return True
    return stripped[-1] == "." and not _TITLE_BEFORE.search(stripped)


# A one-word name written after 'at', 'to', 'from', ... this often is a place ('at Hartfield'): on the
# PDNC dev novels every person's share was at most 0.24, Emma's Hartfield's 0.78.
PLACE_SHARE = 0.5
_PLACE_BEFORE = r"\b(?:at|in|from|near|of|to|towards|into)\s+"


def _places(tags: Counter, mentions: Counter, text: str) -> set[str]:
    """The one-word forms the text mostly writes as a place ('dined at Hartfield'), no one's name."""
    total = Counter(re.findall(r"\b[A-Z][a-z'’]+\b", text))
    after = Counter(re.findall(rf"{_PLACE_BEFORE}([A-Z][a-z'’]+)\b", text))
    return {form for form in set(tags) | set(mentions)
            if " " not in form and total[form] and after[form] >= PLACE_SHARE * total[form]}


# The last word of a house or a street, not a person: 'Lucas Lodge', 'Netherfield Park', 'Harley Street'
# (with a title it is a person again: 'Mrs. Hall').
PLACE_WORDS = {"Lodge", "Park", "House", "Street", "Square", "Abbey", "Castle", "Court", "Manor", "Place", "Road",
               "Cottage", "Farm", "Inn", "Terrace", "Gardens", "Hall", "Rectory", "Parsonage", "Hotel"}


def _clean_name(phrase: str, namelike: set[str]) -> str | None:
    """'Then Jo' -> 'Jo', 'the Mock Turtle' -> 'Mock Turtle'; None when no name is left, or when the
    name is a place's ('Lucas Lodge')."""
    words = strip_article(" ".join(re.sub(r"['’]s\b", "", phrase).split())).split()
    if len(words) > 1 and title_of(" ".join(words)):
        title, words = words[0], words[1:]
    else:
        title = ""
    while words and words[0] not in namelike:
        words = words[1:]
    while words and words[-1] not in namelike and not _titled_person(words):
        words = words[:-1]
    if not words or (not title and len(words) > 1 and words[-1] in PLACE_WORDS):
        return None
    return " ".join([title] + words) if title else " ".join(words)


def _titled_person(words: list[str]) -> bool:
    """'Invisible Man', 'Grey Lady': a name ending in a capitalised person noun, the book's own title
    for someone, keeps its noun ('Invisible' alone was shown as The Invisible Man's name)."""
    return len(words) > 1 and words[-1][:1].isupper() and words[-1].lower() in PERSON_NOUNS


def _pronoun_votes(narration: str, namelike: set[str], forms: set[str]) -> dict[str, Counter]:
    """For each name form, the pronouns (M or F) that follow it when it is a sentence's subject.

    'Wickham smiled, and he ...' or 'Wickham smiled. He ...' votes M. Only subject and reflexive
    pronouns count, and only after a name that starts its sentence: in 'Darcy looked at her' or
    'she thought of Darcy, and she ...' the pronoun is someone else.
    """
    votes: dict[str, Counter] = defaultdict(Counter)
    for m in re.finditer(NAME, narration):
        form = _clean_name(m.group(0), namelike)
        if form not in forms or not _starts_sentence(narration, m.start()):
            continue
        rest = narration[m.end() : m.end() + 120]
        pronoun = re.match(r"[^.!?;\"“”]{0,80}?\b(he|she|himself|herself)\b|[^.!?\"“”]*[.!?]\s+(He|She)\b", rest)
        if pronoun:
            word = (pronoun.group(1) or pronoun.group(2)).lower()
            votes[form]["F" if word.startswith(("she", "her")) else "M"] += 1
    return votes


# Votes a listed given name counts for its gender (data/given_names.yaml): 'Nancy' with one 'he'
# after it stays a woman; seven he's against no she would still make her a man.
NAME_PRIOR = 3


def _add_given_name_votes(genders: dict[str, Counter], forms: set[str]) -> None:
    """Add NAME_PRIOR votes to each untitled form whose first word is a listed given name."""
    for form in forms:
        words = strip_article(form).split()
        gender = given_name_gender(words[0]) if words and not title_of(form) else ""
        if gender:
            genders[form][gender] += NAME_PRIOR


def _with_title_votes(genders: dict[str, Counter], forms: set[str], mentions: Counter) -> dict[str, Counter]:
    """The votes, and for an untitled form one more for each time the narration writes it with a
    gendered title: 'Wickham' is 'Mr. Wickham' 61 times in Pride and Prejudice, whatever the she's
    after his name say. A surname alone is how prose calls a man, so only a man's title votes for it
    ('Miss Thorpe' is no vote for 'said Thorpe'); and a wife's name is not her husband's ('Mrs.
    Charles Musgrove' is no vote for 'Charles Musgrove')."""
    untitled = {_tokens(f)[1]: f for f in forms if not title_of(f)}
    votes = defaultdict(Counter, {f: Counter(c) for f, c in genders.items()})
    for mention, n in mentions.items():
        gender = TITLES.get(title_of(mention), "")
        words = frozenset(_own_words(mention, name_key(mention).split()))  # 'Mrs. Charles Musgrove': 'musgrove'
        if gender and words in untitled and (len(words) > 1 or gender == "M"):
            votes[untitled[words]][gender] += n
    return votes


def _own_words(alias: str, words: list[str]) -> list[str]:
    """The words of an alias that name its owner: not the title, nor the husband's given name in
    'Mrs. Charles Musgrove' (his wife: 'Charles' alone is him), nor a woman's in a man's title."""
    title = title_of(alias)
    if not title:
        return words
    if len(words) > 2 and TITLES.get(title) and given_name_gender(words[1].capitalize()) not in ("", TITLES[title]):
        return words[2:]
    return words[1:]


def given_name_gender(word: str) -> str:
    """'F' or 'M' for a given name in data/given_names.yaml, '' for any other word."""
    return _given_names().get(word, "")


@lru_cache(maxsize=1)
def _given_names() -> dict[str, str]:
    return {name: gender for gender, names in _data_table("given_names.yaml").items() for name in names}


def _tokens(form: str) -> tuple[str, frozenset]:
    """(title, the other words) of a name form, compared without case."""
    title = title_of(form)
    words = name_key(form).split()
    return title, frozenset(words[1:] if title else words)


def _form_gender(form: str, genders: dict[str, Counter]) -> str:
    title = title_of(form)
    if title and TITLES[title]:
        return TITLES[title]
    return _by_votes(genders.get(form, Counter()))


def _by_votes(votes: Counter) -> str:
    """'M' or 'F' when the pronouns after a name are at least two to one (and one more), else ''."""
    if votes["M"] >= 2 * votes["F"] + 1:
        return "M"
    if votes["F"] >= 2 * votes["M"] + 1:
        return "F"
    return ""


_BY = re.compile(rf"\b(?:by|By|BY)\s+(?P<name>{NAME})")


def _makers(text: str, paragraphs) -> set[str]:
    """The people the title page and front matter say made the book ('by Jane Austen', 'with a Preface
    by George Saintsbury', 'Illustrations by Hugh Thomson'): before the first chapter heading, in
    the first tenth of the text. They are not in the story (a preface names its author often enough
    to join her to a character: 'Jane Austen' to Jane Bennet)."""
    heading = next((p.start for p in paragraphs if p.heading), 0)
    opening = text[: min(heading, len(text) // 10)]
    names = {m.group("name").split("\n")[0].strip() for m in _BY.finditer(opening)}
    # a full name only: a caption in a list of illustrations may end 'by Wickham', a character
    return {name for name in names if len(name.split()) >= 2 and not title_of(name)}


def _candidate_forms(tags: Counter, mentions: Counter) -> set[str]:
    """The tagged names, plus longer mentioned names that contain one ('Elizabeth Bennet' for 'Elizabeth')."""
    tagged = [_tokens(t) for t in tags]
    longer = {f for f, n in mentions.items() if n >= 2 and any(_tokens(f)[1] > words for _, words in tagged)}
    return set(tags) | longer


def _merge_forms(forms: set[str], tags: Counter, genders, apart=lambda longer, shorter: False) -> list[list[str]]:
    """Groups of spellings of one person: each form joins the one group whose forms contain its words,
    unless `apart(longer, shorter)` says the two name two people (see `_brothers`).

    Longer forms come first so that a short form meets every person it could belong to.
    """
    groups: list[list[str]] = []
    for form in sorted(forms, key=lambda f: (-len(_tokens(f)[1]), not title_of(f), -tags[f], f)):
        owners = [g for g in groups if any(_contains(other, form) and not apart(other, form) for other in g)]
        if not owners:
            groups.append([form])
            continue
        if len(owners) > 1:  # 'Bingley' -> Mr. or Miss Bingley: the pronouns after it decide
            gender = _form_gender(form, genders)
            owners = _owners_of_gender(owners, gender or _bare_surname_gender(form, owners, genders), genders)
        if len(owners) == 1:
            owners[0].append(form)
        # else a form several people could own ('Bennet') stays out: it would name the wrong one
    return groups


def _brothers(longer: str, shorter: str, paragraphs: list[str]) -> bool:
    """'Mr. John Knightley' and 'Mr. Knightley' are two men when the text names both in one
    paragraph again and again (MIN_TOGETHER paragraphs): the first name is there to tell two men of a
    family apart (the eldest is Mr. + surname, a brother Mr. + first name, as with Miss). One man is
    seldom given both names in one paragraph: 'Mr. Fitzwilliam Darcy' is Mr. Darcy."""
    title = title_of(shorter)
    if title != "mr" or title_of(longer) != title or len(_tokens(longer)[1]) != len(_tokens(shorter)[1]) + 1:
        return False
    both = [re.compile(rf"(?<!\w){re.escape(form)}(?!\w)") for form in (longer, shorter)]
    return sum(all(p.search(text) for p in both) for text in paragraphs) >= MIN_TOGETHER


def _bare_surname_gender(form: str, owners: list[list[str]], genders) -> str:
    """'M' for a family name alone ('Thorpe') that a man and women of the family share and whose
    pronouns do not decide: prose calls men by their surname alone ('said Thorpe' is John Thorpe, not
    his mother or his sister); '' otherwise."""
    if title_of(form) or " " in form.strip():
        return ""
    men = [g for g in owners if "M" in {_form_gender(f, genders) for f in g}]
    return "M" if len(men) == 1 else ""


def _owners_of_gender(owners: list[list[str]], gender: str, genders) -> list[list[str]]:
    """The groups a form of `gender` can belong to: those known to be of that gender, else the one
    group whose gender is unknown when every other is known to be the other ('Archer', he, joins
    Newland Archer rather than Mrs. Archer). A form of unknown gender belongs to none."""
    if not gender:
        return []
    known = [{_form_gender(f, genders) for f in g} - {""} for g in owners]
    same = [g for g, kinds in zip(owners, known) if gender in kinds]
    if same:
        return same
    unknown = [g for g, kinds in zip(owners, known) if not kinds]
    return unknown if len(unknown) == 1 else []


# A title's short spelling: 'Dr. Bull' is the Doctor of the book.
_FULL_TITLE = {"dr": "doctor", "capt": "captain", "col": "colonel", "prof": "professor", "rev": "reverend"}


def _contains(longer: str, shorter: str) -> bool:
    """Whether `shorter` can be another spelling of the person called `longer`."""
    if name_key(longer) == name_key(shorter):  # 'Mr Bumble' and 'Mr. Bumble'
        return True
    long_title, long_words = _tokens(longer)
    short_title, short_words = _tokens(shorter)
    if not short_title and len(short_words) == 1 and long_title:  # 'the Professor' -> Professor de Worms
        word = next(iter(short_words))
        if word in TITLES and word not in HONORIFICS and _FULL_TITLE.get(word, word) == _FULL_TITLE.get(long_title, long_title):
            return True
    if not short_words <= long_words or (short_words == long_words and long_title == short_title):
        return False
    # 'Mrs. John Brooke' is John Brooke's wife: a woman's title before a man's given name names
    # someone else than the name without it (and a man's title before a woman's name)
    first = strip_article(shorter).split()[0] if not short_title else ""
    if TITLES.get(long_title) and given_name_gender(first) not in ("", TITLES[long_title]):
        return False
    # 'Elizabeth' -> 'Miss Elizabeth Bennet', 'Mr. Darcy' -> 'Mr. Fitzwilliam Darcy', but not
    # 'Miss Bennet' -> 'Elizabeth Bennet': a title and a surname may be a sister, a mother, a husband
    return not short_title or long_title == short_title


def _link_misses(groups: list[list[str]], genders, used: Counter,
                 said_together=lambda first, last: False) -> tuple[list[list[str]], dict[int, list[str]]]:
    """Join 'Miss Elizabeth' to Elizabeth Bennet and 'Miss Lucas' to Charlotte Lucas, by the convention
    of English novels: Miss + surname is the family's eldest unmarried daughter, her younger sisters
    are Miss + first name (+ surname). So the eldest is the one woman of the family the text never
    calls Miss + her first name (`used`: every name form the text uses). A woman known by her first
    name alone is of the family when the text writes that name with the surname even once
    (`said_together`: 'Jane Bennet', in someone's speech). When several are left, 'Miss Bennet'
    stays its own speaker and the candidates are returned ({id(group): their fullest names}) so that
    the ambiguity can be shown.
    """
    misses = [g for g in groups if all(title_of(f) == "miss" and len(_tokens(f)[1]) == 1 for f in g)
              and len({_tokens(f)[1] for f in g}) == 1]
    women = [(g, names) for g in groups if g not in misses and (names := _full_names(g))
             and "M" not in {_form_gender(f, genders) for f in g} | {_form_gender(first, genders) for first, _ in names}]
    younger = {name_key(f).split()[1] for f in used if title_of(f) == "miss"}  # 'Miss Elizabeth (Bennet)'
    may_be: dict[int, list[str]] = {}
    for group in misses:
        word = next(iter(_tokens(group[0])[1]))
        owners = [g for g, names in women if any(first.lower() == word for first, _ in names)]
        if len(owners) != 1:  # not a first name: a surname
            family = [(g, names) for g, names in women if any(last.lower() == word for _, last in names)]
            owners = [g for g, names in family if not any(first.lower() in younger for first, _ in names)]
            if not owners and len(family) == 1:  # the family's one woman, though once called Miss + her first name
                owners = [family[0][0]]
            if not owners:  # the eldest never named in full in the narration: a first name the text joins to the surname
                owners = [g for g in groups if g not in misses and _group_gender(g, genders) == "F"
                          and any(len(f.split()) == 1 and f.lower() not in younger and said_together(f, word) for f in g)]
            if len(owners) > 1:  # several: the one the pronouns after all her names call a woman
                owners = [g for g in owners if _group_gender(g, genders) == "F"] or owners
            if len(owners) != 1:  # none: the eldest is not named in full; several: ambiguous
                if owners:
                    may_be[id(group)] = [max(g, key=len) for g in owners]
                continue
        owners[0].extend(group)
        groups.remove(group)
    return groups, may_be


_FAMILIAR_TITLES = {"", "mr", "mrs", "miss", "master"}


def _link_nicknames(groups: list[list[str]], genders) -> list[list[str]]:
    """Join a character known only by a nickname ('Meg') to the one character whose first name it is
    short for ('Margaret March'), by the nicknames table, when the pronouns do not say they differ.
    Nobody titled by rank is called by a nickname: 'Kitty' is not Lady Catherine."""
    table = default_nicknames()
    for group in [g for g in groups if _one_word(g)]:
        formal = {name_key(f) for f in table.get(_one_word(group), [])}
        owners = [g for g in groups if g is not group and not any(title_of(f) not in _FAMILIAR_TITLES for f in g)
                  and any(not title_of(f) and name_key(f).split()[0] in formal for f in g)]
        gender = _group_gender(group, genders)
        if len(owners) == 1 and (not gender or _group_gender(owners[0], genders) in ("", gender)):
            owners[0].extend(group)
            groups.remove(group)
    return groups


def _group_gender(group: list[str], genders: dict[str, Counter]) -> str:
    """The gender the pronouns after all of a character's names give (each form alone may have
    too few votes: 'Henry' 4 he / 2 she, 'Henry Tilney' 1 she)."""
    return _by_votes(sum((genders.get(f, Counter()) for f in group), Counter()))


def _first_names(forms: set[str]) -> set[str]:
    """'Charles' of 'Charles Hurst': the narration calls a person by it, and the pronouns after it tell their gender."""
    return {form.split()[0] for form in forms if not title_of(form) and len(form.split()) >= 2}


def _full_names(group: list[str]) -> list[tuple[str, str]]:
    """(first, last) words, as written, of the group's untitled or Miss-titled names of two words or more."""
    found = []
    for form in group:
        title = title_of(form)
        words = form.split()[1 if title else 0:]
        if title in ("", "miss") and len(words) >= 2:
            found.append((words[0], words[-1]))
    return found


def _character(forms: list[str], tags: Counter, mentions: Counter, genders, may_be: list[str] = ()) -> Character:
    main = max(forms, key=lambda f: (tags[f] * 3 + mentions[f], len(f)))
    votes = Counter(_form_gender(f, genders) for f in forms for _ in range(tags[f] + mentions[f]))
    votes.pop("", None)
    gender = votes.most_common(1)[0][0] if votes else ""
    aliases = sorted(forms, key=lambda f: -(tags[f] + mentions[f]))
    return Character(main, aliases, gender, count=sum(tags[f] for f in forms), may_be=list(may_be))


def _mentioned(character: Character, mentions: Counter) -> int:
    return sum(mentions[a] for a in character.aliases)
