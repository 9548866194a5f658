"""Cast discovery from the text, cast files, and looking names up."""

import pytest

from characterkit.errors import UserError
from characterkit.parse.novel.book import analyse
from characterkit.parse.novel.cast import Cast, Character, join_lone_names, load_cast, scan_cast

FAMILY = """\
CHAPTER I.

Miss Elizabeth Bennet walked into the room. Elizabeth Bennet was tired, and she sat down.
Everyone knew Miss Elizabeth Bennet; the town called Elizabeth Bennet clever.

"You are late," said Mrs. Bennet.

"I walked," said Elizabeth. "The roads were bad."

"Walked!" cried Mrs. Bennet. "In this weather!"

"Let her be," said Mr. Bennet. He turned a page, and he sighed.

"Thank you, papa," said Elizabeth.

Mr. Bennet smiled, and he went back to his book. Bennet was a patient man, the neighbours said.

"Mr. Darcy called," said Mrs. Bennet.

"Did he?" said Elizabeth. Elizabeth looked up, and she frowned.

"He did," said Mr. Bennet.

Mr. Darcy was proud, and he rode away. "Good day," said Darcy.

"And good riddance," said Mr. Darcy to himself.
"""


def names(cast):
    return {c.name: c for c in cast}


def test_discovers_speakers_and_merges_their_spellings():
    cast = names(scan_cast(FAMILY))
    elizabeth = next(c for c in cast.values() if "Elizabeth" in c.aliases)
    assert {"Elizabeth", "Elizabeth Bennet", "Miss Elizabeth Bennet"} <= set(elizabeth.aliases)
    assert elizabeth.gender == "F" and elizabeth.count == 3
    darcy = next(c for c in cast.values() if "Darcy" in c.aliases)
    assert "Mr. Darcy" in darcy.aliases and darcy.gender == "M"
    # Mr. and Mrs. Bennet are two people; a bare "Bennet" could be either, so it joins neither
    assert cast["Mrs. Bennet"] is not cast["Mr. Bennet"]
    assert cast["Mrs. Bennet"].gender == "F" and cast["Mr. Bennet"].gender == "M"
    assert all("Bennet" not in c.aliases for c in cast.values())


SON_AND_MOTHER = """\
Harold Vane came home late. Vane was tired, and he sat down by the fire.

"You are late," said Mrs. Vane.

"I was at the theatre," said Harold Vane.

"With whom?" said Mrs. Vane. She looked at her son.

"With friends," Vane said. He smiled.

"Good night," said Harold Vane.
"""


def test_a_family_name_joins_the_one_family_member_of_its_gender():
    # "Vane" is followed by "he": Mrs. Vane cannot own it, Harold Vane (gender not yet known) can
    cast = names(scan_cast(SON_AND_MOTHER))
    assert "Vane" in cast["Harold Vane"].aliases and cast["Harold Vane"].count == 3
    assert cast["Mrs. Vane"].aliases == ["Mrs. Vane"] and cast["Mrs. Vane"].count == 2


def sisters(*speeches: tuple[str, str]) -> str:
    opening = "Anne Grey and her sisters walked in. Anne was calm, and she smiled. Lucy Grey followed her.\n\n"
    return opening + "\n\n".join(f'"{words}," said {who}.' for who, words in speeches) + "\n"


def test_miss_and_a_surname_is_the_eldest_daughter():
    # Lucy is "Miss Lucy": a younger sister. The eldest, Miss Grey, is Anne.
    text = sisters(("Anne Grey", "Good evening"), ("Miss Grey", "It is cold"), ("Miss Grey", "Very cold"),
                   ("Lucy Grey", "Too cold"), ("Miss Lucy", "Indeed"), ("Lucy Grey", "So it is"))
    cast = {alias: c for c in scan_cast(text) for alias in c.aliases}
    assert cast["Miss Grey"] is cast["Anne Grey"] and cast["Miss Lucy"] is cast["Lucy Grey"]
    assert cast["Anne Grey"] is not cast["Lucy Grey"] and cast["Anne Grey"].count == 3


def test_miss_and_a_surname_is_the_one_woman_of_the_family_even_once_called_miss_and_her_first_name():
    # Anne is the only Grey woman; once, formally, "Miss Anne Grey": still the Miss Grey of the book
    text = ("Anne Grey walked in, and she smiled. Anne Grey sat down; she was tired.\n\n"
            "The card read Miss Anne Grey, in a round hand.\n\n"
            + "\n\n".join(f'"{words}," said {who}.' for who, words in
                          (("Anne Grey", "Good evening"), ("Miss Grey", "It is cold"), ("Miss Grey", "Very cold"),
                           ("Anne Grey", "So it is"))))
    cast = {alias: c for c in scan_cast(text) for alias in c.aliases}
    assert cast["Miss Grey"] is cast["Anne Grey"]


def test_miss_and_a_surname_joins_the_first_name_the_text_writes_with_the_surname_once():
    # Anne is never named in full by the narration; one speech calls her "Anne Grey"
    text = ("Anne walked in, and she smiled. Anne sat down; she was tired.\n\n"
            '"I have a great regard for Anne Grey," said Mrs. Hale. "Everyone has," said Mr. Hale.\n\n'
            + "\n\n".join(f'"{words}," said {who}.' for who, words in
                          (("Miss Grey", "It is cold"), ("Miss Grey", "Very cold"), ("Anne", "Is it?"), ("Anne", "Yes"))))
    cast = {alias: c for c in scan_cast(text) for alias in c.aliases}
    assert cast["Miss Grey"] is cast["Anne"]


def test_the_books_makers_on_its_title_page_are_not_its_people():
    title_page = "THE GREY SISTERS\n\nby\nAnne Lowther\n\nIllustrations by Wickham\n\n"
    preface = "Anne Lowther wrote it in a winter. Anne Lowther was ill.\n\n"
    story = sisters(("Anne", "Good evening"), ("Anne", "It is cold"), ("Lucy Grey", "Too cold"), ("Wickham", "Hush"),
                    ("Wickham", "Quiet"))
    cast = {alias: c for c in scan_cast(title_page + preface + "CHAPTER I.\n\n" + story) for alias in c.aliases}
    assert "Anne Lowther" not in cast and "Anne" in cast
    assert "Wickham" in cast  # one word after 'by' may be a caption's character: only full names are makers


def test_a_wife_called_by_her_husbands_name_is_not_him():
    text = ("John Grey came home, and he sat down. Mrs. John Grey met him; she smiled. John Grey was tired.\n\n"
            '"I am late," said John. "The road," said John. "Sit," said Mrs. Grey. "Tea," said Mrs. Grey.\n\n'
            '"Yes," said Mrs. John Grey.\n')
    cast = {alias: c for c in scan_cast(text) for alias in c.aliases}
    assert cast["John"] is cast["John Grey"] and cast["Mrs. Grey"] is cast["Mrs. John Grey"]
    assert cast["John"] is not cast["Mrs. Grey"]


def test_a_house_named_for_the_family_is_no_person():
    # 'Grey Lodge' would join Miss Grey's forms and keep her from the eldest daughter
    text = ("They drove up to Grey Lodge at noon. The Greys had lived at Grey Lodge for years.\n\n"
            + sisters(("Anne Grey", "Good evening"), ("Miss Grey", "It is cold"), ("Miss Grey", "Very cold"),
                      ("Lucy Grey", "Too cold"), ("Miss Lucy", "Indeed")))
    cast = {alias: c for c in scan_cast(text) for alias in c.aliases}
    assert "Grey Lodge" not in cast and cast["Miss Grey"] is cast["Anne Grey"]
    assert scan_cast('"Come in," said Mrs. Hall. "Sit," said Mrs. Hall.\n').get("Mrs. Hall") is not None  # titled: a person


def test_miss_and_a_surname_stays_apart_when_two_sisters_could_be_the_eldest():
    text = sisters(("Anne Grey", "Good evening"), ("Miss Grey", "It is cold"), ("Miss Grey", "Very cold"),
                   ("Lucy Grey", "Too cold"), ("Lucy Grey", "So it is"), ("Anne Grey", "Indeed"))
    cast = names(scan_cast(text))
    assert cast["Miss Grey"].aliases == ["Miss Grey"]
    assert sorted(cast["Miss Grey"].may_be) == ["Anne Grey", "Lucy Grey"]


def test_miss_and_a_surname_joins_the_one_the_pronouns_after_all_her_names_call_a_woman():
    # Neither Anne nor Henry is called Miss + first name; each of Henry's names alone has too few
    # pronouns to tell (one reads "she"), all of them together do not say woman: Miss Grey is Anne.
    opening = ("Anne Grey walked in, and she smiled. Henry Grey held the door for her mother, and she thanked him. "
               "Henry sat down; he was tired. Henry looked up, and he yawned. Henry saw Anne, and she laughed.\n\n")
    speeches = [("Anne Grey", "Good evening"), ("Miss Grey", "It is cold"), ("Henry Grey", "Too cold"),
                ("Miss Grey", "Very cold"), ("Henry", "So it is"), ("Anne Grey", "Indeed")]
    cast = {alias: c for c in scan_cast(opening + "\n\n".join(f'"{w}," said {who}.' for who, w in speeches) + "\n")
            for alias in c.aliases}
    assert cast["Miss Grey"] is cast["Anne Grey"] and cast["Henry Grey"] is not cast["Anne Grey"]


def test_miss_and_a_surname_never_joins_a_man():
    text = ("Charles Hurst came in. Charles was tired, and he sat down.\n\n"
            '"Good evening," said Charles Hurst.\n\n"It is cold," said Miss Hurst.\n\n"Very," said Miss Hurst.\n\n'
            '"Quite," said Charles Hurst.\n')
    cast = names(scan_cast(text))
    assert cast["Miss Hurst"].aliases == ["Miss Hurst"] and cast["Charles Hurst"].aliases == ["Charles Hurst"]


def test_a_husbands_given_name_inside_his_wifes_name_does_not_find_her():
    """'Mrs. Charles Grey' is Charles Grey's wife: 'Charles' alone names him (or another Charles), never her."""
    wife = Character("Mrs. Grey", ["Mrs. Grey", "Mrs. Charles Grey"], "F")
    hayes = Character("Charles Hayes", [], "M")
    cast = Cast([wife, hayes])
    assert cast.resolve("Charles") == [hayes]
    assert cast.get("Mrs. Charles Grey") is wife and cast.resolve("Grey") == [wife]


def test_a_name_ending_in_a_capitalised_person_noun_keeps_it():
    """'the Invisible Man' is that person's name, though 'man' is a common word: not 'Invisible'."""
    text = "".join(f'A man came by the inn {i}. "Go away," said the Invisible Man. Mara looked up. "Why?" said Mara.\n\n'
                   for i in range(4))
    assert [c.name for c in scan_cast(text)] == ["Invisible Man", "Mara"]


def test_resolve_by_alias_title_and_words():
    lizzy = Character("Elizabeth Bennet", ["Elizabeth", "Lizzy"], "F")
    darcy = Character("Fitzwilliam Darcy", ["Darcy"], "M")
    jane = Character("Jane Bennet", [], "F")
    cast = Cast([lizzy, darcy, jane])
    assert cast.get("lizzy") is lizzy and cast.get("the Elizabeth") is lizzy
    assert cast.get("Mr. Darcy") is darcy  # the title is dropped when its gender fits
    assert cast.get("Mrs. Darcy") is None
    assert cast.get("Then Lizzy") is lizzy
    assert cast.resolve("Bennet") == [lizzy, jane]  # a family name: ambiguous
    assert cast.get("Bennet") is None


def test_a_capitalised_epithet_after_the_is_a_name_though_the_word_is_common():
    """'the Voice' speaks, though the narration says 'voice' in lower case more often than not."""
    low = "Kemp heard a low voice, then a louder voice, a voice he knew, a voice from nowhere. "
    text = low + "\n\n".join(['"Who is there?" said Kemp.', '"I am," said the Voice.', '"Where?" said Kemp.',
                               '"Here," said the Voice.', '"Go on," said the Voice.', '"No," said the Voice.',
                               '"Why?" said the Voice.']) + "\n"
    assert "Voice" in names(scan_cast(text))
    assert "Voice" not in names(scan_cast(text.replace("the Voice", "the voice")))


BROTHERS = """\
Mr. Crane and Mr. Peter Crane came in from the yard, Mr. Crane first.

"The wall is down," said Mr. Crane.

"Only the top of it," said Mr. Peter Crane.

Mr. Peter Crane sat by the fire; Mr. Crane stood at the window.

"We mend it tomorrow," said Mr. Crane.

"If it stops raining," said Mr. Peter Crane. Mr. Crane did not answer him.
"""


def test_mr_and_a_first_name_named_beside_mr_and_the_surname_is_a_brother():
    cast = names(scan_cast(BROTHERS))
    assert cast["Mr. Crane"] is not cast["Mr. Peter Crane"]
    assert cast["Mr. Crane"].count == 2 and cast["Mr. Peter Crane"].count == 2
    once = BROTHERS.replace("Mr. Peter Crane sat by the fire; Mr. Crane stood at the window.", "They sat down.").replace(
        " Mr. Crane did not answer him.", "")  # named together once: one man, by two names
    crane = [c for c in scan_cast(once) if "Mr. Crane" in c.aliases]
    assert len(crane) == 1 and "Mr. Peter Crane" in crane[0].aliases


SISTERS = """\
Margaret March was the eldest. Margaret sewed by the fire and she did not look up.

"It is late," said Margaret.

"Not very," said Jo. Jo laughed and she went on reading.

"Come to bed," said Meg. Meg yawned and she stood up.

"Soon," said Jo.

"Now," said Meg.

"You are tired, my dear," said Lady Catherine. Lady Catherine frowned and she rang.

"No, ma'am," said Kitty. Kitty smiled and she curtsied.

"Go," said Lady Catherine.

"Yes," said Kitty.

"And quickly," said Catherine. Lady Catherine de Bourgh never waited.
"""


def test_a_nickname_joins_the_one_character_of_that_first_name_but_never_a_titled_lady():
    cast = names(scan_cast(SISTERS))
    meg = next(c for c in cast.values() if "Meg" in c.aliases)
    assert "Margaret" in meg.aliases and meg.count == 3
    assert "Catherine" in cast["Lady Catherine"].aliases and "Kitty" not in cast["Lady Catherine"].aliases  # nobody titled by rank is called by a nickname


def test_a_title_and_a_family_name_finds_the_one_listed_with_it():
    charley = Character("Charley Bates", ["Charley"], "M")
    cast = Cast([charley, Character("Jack Dawkins", ["Jack"], "M"), Character("Nancy", [], "F")])
    assert cast.get("Master Bates") is charley and cast.get("Mr. Bates") is charley
    assert cast.get("Miss Bates") is None  # the title's gender rules him out
    assert cast.get("Mr. Smith") is None
    thorpes = Cast([Character("Mrs. Thorpe", [], "F"), Character("John Thorpe", [], "M")])
    assert thorpes.get("Miss Thorpe") is None  # the daughter is not her mother, who is listed only as Mrs.


def test_a_title_and_a_full_name_finds_whom_the_name_alone_would():
    ned = Character("Ned Archer", ["Ned", "Archer"], "M")
    cast = Cast([ned, Character("Rosa Vane", [], "F")])
    assert cast.get("Master Edward Archer") is ned  # 'Edward Archer' finds him by the family name
    assert cast.get("Miss Edward Archer") is None  # the title's gender still rules him out


def test_a_listed_given_name_outweighs_a_stray_pronoun():
    """A "he" after Margaret (it is Quill who bows) does not make her a man, though one decides an
    unlisted name; seven against the list still win."""
    def gender_of(opening: str, who: str) -> str:
        speeches = "".join(f'"{w}," said {who}.\n\n"{w}?" said Quill.\n\n' for w in ("Tea", "Cake", "Jam"))
        return names(scan_cast(opening + "\n\n" + speeches))[who].gender

    assert gender_of("Margaret came in, and he bowed to her.", "Margaret") == "F"
    assert gender_of("Wren came in, and he bowed to her.", "Wren") == "M"  # not a listed name: the pronoun decides
    assert gender_of("Margaret came in, and he bowed. " * 7, "Margaret") == "M"


def test_the_titles_the_narration_writes_before_a_name_tell_its_gender():
    """'said Wren' in the tags, 'Mr. Wren' in the narration: a man, though the she's that follow his
    name (Rosa is the one thinking) say otherwise. A surname alone is how prose calls a man, so 'Miss
    Wren' (his sister) is no vote for 'Wren'."""
    def gender_of(narration: str) -> str:
        speeches = "".join(f'"{w}," said Wren.\n\n"{w}?" said Rosa.\n\n' for w in ("Tea", "Cake", "Jam"))
        return names(scan_cast(narration + "\n\n" + speeches))["Wren"].gender

    hers = "Wren had gone, and she thought of him. " * 4
    his = "Wren had gone, and he thought of it. " * 4
    assert gender_of(hers) == "F" and gender_of(hers + "Mr. Wren was kind. " * 10) == "M"
    assert gender_of(his + "Miss Wren smiled. " * 10) == "M"
    assert gender_of(his + "They sold the items. Wren was kind. " * 10) == "M"  # 'ms. Wren' inside a word is no title


def test_a_surname_alone_is_the_man_of_the_family():
    speeches = "".join(f'"{w}," said John Thorne.\n\n"{w}?" said Mrs. Thorne.\n\n"{w}!" said Thorne.\n\n'
                       for w in ("Tea", "Cake", "Jam"))
    cast = names(scan_cast("John Thorne and his mother came in.\n\n" + speeches))
    assert "Thorne" in cast["John Thorne"].aliases and "Thorne" not in cast["Mrs. Thorne"].aliases


def test_a_lone_word_entry_joins_the_fuller_entry_it_names():
    james = Character("Mr. James Harthouse", ["James Harthouse"], "M")
    josiah = Character("Josiah Bounderby", ["Mr. Bounderby", "Josiah"], "M")
    louisa = Character("Louisa Bounderby", ["Mrs. Bounderby", "Louisa"], "F")
    listed = Cast([james, Character("Harthouse"), josiah, louisa, Character("Bounderby"),
                   Character("Jane Bennet"), Character("Jane Fairfax"), Character("Jane")], origin="cast.yaml")
    cast = join_lone_names(listed)
    assert cast.joined == {"Harthouse": "Mr. James Harthouse", "Bounderby": "Josiah Bounderby"}
    assert cast.names() == ["Mr. James Harthouse", "Josiah Bounderby", "Louisa Bounderby", "Jane Bennet",
                            "Jane Fairfax", "Jane"]  # two Janes could own 'Jane': it stays as listed
    assert cast.get("Harthouse").name == "Mr. James Harthouse"
    assert cast.get("Bounderby").name == "Josiah Bounderby"  # the bare surname is the man called Mr. by it
    assert len(listed) == 8 and "Bounderby" not in josiah.aliases  # the listed cast is untouched


def test_a_given_cast_with_a_lone_duplicate_gives_the_line_to_the_person():
    text = 'Louisa looked up.\n\n"You are late," said Harthouse.\n'
    cast = Cast([Character("Mr. James Harthouse", [], "M"), Character("Harthouse"), Character("Louisa", [], "F")],
                origin="cast.yaml")
    spoken, used = analyse(text, cast)
    assert [s.speaker for s in spoken] == ["Mr. James Harthouse"] and used.joined == {"Harthouse": "Mr. James Harthouse"}


def test_find_names_the_closest_when_unknown():
    cast = Cast([Character("Elizabeth Bennet", ["Lizzy"]), Character("Jane Bennet")])
    assert cast.find("Lizzy").name == "Elizabeth Bennet"
    with pytest.raises(UserError, match="'Lizy' is not in the cast.*closest: Lizzy"):
        cast.find("Lizy")


def test_merged_aliases_join_two_characters():
    cast = Cast([Character("Elizabeth", count=5), Character("Lizzy", count=2), Character("Jane")])
    merged = cast.merged({"Lizzy": "Elizabeth"})
    assert merged.names() == ["Elizabeth", "Jane"]
    assert merged.get("Lizzy").name == "Elizabeth" and merged.get("Lizzy").count == 7
    assert len(cast) == 3  # the original is untouched


def test_load_cast_file(tmp_path):
    path = tmp_path / "cast.yaml"
    path.write_text("- name: Elizabeth Bennet\n  aliases: [Elizabeth, Lizzy]\n  gender: f\n- Jane\n"
                    "- name: Mr. Darcy\n  aliases: Darcy, Fitzwilliam\n", encoding="utf-8")
    cast = load_cast(path)
    assert cast.names() == ["Elizabeth Bennet", "Jane", "Mr. Darcy"]
    assert cast.get("Lizzy").gender == "F"
    assert cast.get("Fitzwilliam").name == "Mr. Darcy"


@pytest.mark.parametrize("content, message", [
    ("- name: [unclosed\n", r"cast\.yaml:\d+: not valid YAML"),
    ("name: Elizabeth\n", "a cast file is a list of characters"),
    ("- aliases: [Lizzy]\n", "character 1: needs a 'name'"),
    ("- name: Jo\n  gender: male-ish\n", "gender must be M, F or empty"),
    ("- name: Jo\n  aliases: {a: b}\n", "'aliases' must be a list"),
])
def test_malformed_cast_files(tmp_path, content, message):
    path = tmp_path / "cast.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        load_cast(path)


def test_missing_cast_file(tmp_path):
    with pytest.raises(UserError, match="cast file not found"):
        load_cast(tmp_path / "nope.yaml")


def test_a_title_alone_is_the_one_person_the_book_gives_that_title():
    text = ("Professor Hale came in, and he sat down. The Professor was tired. Dr. Finch and Dr. Grey followed.\n\n"
            + "\n\n".join(f'"{words}," said {who}.' for who, words in
                          (("Professor Hale", "Good evening"), ("the Professor", "It is cold"), ("the Professor", "Very"),
                           ("Dr. Finch", "Sit"), ("Dr. Grey", "Stand"), ("the Doctor", "Both"), ("the Doctor", "Either"))))
    cast = {alias: c for c in scan_cast(text) for alias in c.aliases}
    assert cast["Professor"] is cast["Professor Hale"]
    assert "Doctor" not in cast["Dr. Finch"].aliases + cast["Dr. Grey"].aliases  # two doctors: which?


def test_a_name_the_text_mostly_writes_after_at_to_or_from_is_a_place():
    text = ("Mara came home to Lowfield in the rain. They dined at Lowfield; the fire at Lowfield was warm, and "
            "Tobias rode back from Lowfield at night. Lowfield was quiet.\n\n"
            + "\n\n".join(f'"{words}," said {who}.' for who, words in
                          (("Mara", "Good evening"), ("Tobias", "It is cold"), ("Lowfield", "Welcome"), ("Mara", "Very"),
                           ("Tobias", "Quite"))))
    assert "Lowfield" not in {alias for c in scan_cast(text) for alias in c.aliases}
    assert {"Mara", "Tobias"} <= {c.name for c in scan_cast(text)}
