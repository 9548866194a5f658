"""Attribution rules, one passage each: who says every quote, and which rule decided it."""

import pytest

from characterkit.parse.novel import Cast, Character, analyse
from characterkit.parse.novel.patterns import speech_tag

CAST = Cast([
    Character("Mara", ["Mara Holloway"], "F"),
    Character("Mrs. Holloway", [], "F"),
    Character("Tobias", ["Toby"], "M"),
    Character("Mr. Finch", ["the old man"], "M"),
])


def attributed(text, cast=CAST):
    spoken, _ = analyse(text, cast)
    return [(s.speaker, s.rule) for s in spoken]


def test_speech_verb_with_a_name_or_title():
    text = ('"Sit down," said Mrs. Holloway.\n\n'
            '"I would rather stand," Tobias muttered.\n\n'
            'Mara Holloway replied in a whisper, "Then stand."\n\n'
            '"Enough," was Mr. Finch\'s answer.\n\n'
            '"Enough?" Tobias grunted.\n\n'
            '"Quite enough," snorted Mr. Finch.\n')
    assert attributed(text) == [("Mrs. Holloway", "explicit"), ("Tobias", "explicit"), ("Mara", "explicit"),
                                ("Mr. Finch", "explicit"), ("Tobias", "explicit"), ("Mr. Finch", "explicit")]


def test_tags_with_epithets_initials_possessive_descriptions_and_gerunds():
    cast = Cast([*CAST, Character("Mr. J. P. Lorne", [], "M"), Character("The Miller's Boy", [], "M")])
    text = ('"Sit," said the gallant Mr. Finch.\n\n'
            '"Go," cried the good-hearted Mara Holloway.\n\n'
            '"Hush," said Mr. J. P. Lorne.\n\n'
            '"Flour!" said the miller\'s boy.\n\n'
            'Nobody ever left without Tobias\'s shaking hands, and saying,\n\n"Come again."\n')
    assert attributed(text, cast) == [("Mr. Finch", "explicit"), ("Mara", "explicit"), ("Mr. J. P. Lorne", "explicit"),
                                      ("The Miller's Boy", "described"), ("Tobias", "explicit")]
    assert attributed('"Stay," said the man Mara had met.\n', cast)[0][1] != "explicit"  # a description, not Mara


def test_the_speaker_introduced_in_the_paragraph_before():
    text = 'Tobias put down his cup, and in a low voice said,\n\n"We leave tonight."\n'
    assert attributed(text) == [("Tobias", "explicit")]
    other_subject_first = ('Mrs. Holloway sighed over the fire; and when the bell rang, did Mr. Finch\n'
                           'say to her,\n\n"You are tired."\n')
    assert attributed(other_subject_first) == [("Mr. Finch", "explicit")]
    participle = 'Mara looked up; and soon afterwards Tobias, drawing near her, said--\n\n"Come."\n'
    assert attributed(participle) == [("Tobias", "explicit")]


def test_a_sentence_saying_someone_begins_introduces_their_speech():
    text = 'Mrs. Holloway folded the letter, and when the maid had gone Mr. Finch thus began.\n\n"It is settled."\n'
    assert attributed(text) == [("Mr. Finch", "explicit")]
    assert attributed('Mara waited for her mother. Tobias continued.\n\n"And so we left."\n') == [("Tobias", "explicit")]


def test_a_speech_verb_and_its_manner_introduce_the_quote_with_no_stop_between():
    manner = 'And then Tobias said, with the simplicity of a child\n\n"I am hungry."\n'
    assert attributed(manner) == [("Tobias", "explicit")]
    inline = 'Mara considered a little, and then said to herself "The fourth."\n'
    assert attributed(inline) == [("Mara", "explicit")]
    # a quoted word inside the sentence: what someone calls something, or reported speech
    naming = 'The boat was what Tobias still called "a Powler." Nobody knew why.\n'
    assert attributed(naming)[0][1] != "explicit"
    reported = 'Mrs. Holloway bore it, and even learned to say in a sullen tone that she "would not go."\n'
    assert attributed(reported)[0][1] != "explicit"


def test_a_sentence_opening_with_a_conjunction_or_on_which():
    conjunction = 'And Mr. Finch at the same time, walking briskly through the hall, was calling out,\n\n"Mara!"\n'
    assert attributed(conjunction) == [("Mr. Finch", "explicit")]
    on_which = 'Mara dropped the cup. On which Tobias looked up and said, "Careful."\n'
    assert attributed(on_which) == [("Tobias", "explicit")]
    whenever = 'After this, whenever Tobias met Mr. Finch in the lane, and said in a low voice,\n\n"Evening."\n'
    assert attributed(whenever) == [("Tobias", "explicit")]
    even = '"It is late," said Mara.--Even Mr. Finch shook his head, and looked grave, and said,\n\n"Bed."\n'
    assert attributed(even)[1] == ("Mr. Finch", "explicit")
    after_a_quote = ('Mara was called down to Mr. Finch, who "could not stay."--He met her at the door, and '
                     'hardly looking at her, said,\n\n"Come at once."\n')  # the clause opens after the dash
    assert attributed(after_a_quote)[-1] == ("Mr. Finch", "anaphoric-guess")  # his tag, not a turn guess
    result = ('Mara stared at Tobias.--And he answered her so warmly, with such a show of surprise, that she '
              'could not help replying,\n\n"Tobias, you forget yourself."\n')
    assert attributed(result)[0][0] == "Mara"
    reported = 'Mrs. Holloway asked for the master; Mr. Finch replied, that he was out, adding,\n\n"Back soon."\n'
    assert attributed(reported) == [("Mr. Finch", "explicit")]


def test_the_speaker_before_a_relative_clause_or_a_clause_of_its_own():
    who = 'Mara turned, and was met by Tobias, who, seeing her face, said,\n\n"What is it?"\n'
    assert attributed(who) == [("Tobias", "explicit")]
    who_without_comma = 'The silence was broken by Mara, who in a cold voice said,\n\n"Go."\n'
    assert attributed(who_without_comma) == [("Mara", "explicit")]
    clause_with_a_subject = 'She gave her hand to Tobias, who, though surprised, took it, when she drew back, and said,\n\n"No."\n'
    assert attributed(clause_with_a_subject)[0][0] != "Tobias"
    opening_name = 'Mara, a little doubtful of this, could not help answering,\n\n"Perhaps."\n'
    assert attributed(opening_name) == [("Mara", "explicit")]
    subordinate = ('Mr. Finch listened to her gravely, and when Mara had done speaking, replied thus,\n\n'
                   '"You are right."\n')
    assert attributed(subordinate) == [("Mr. Finch", "explicit")]
    for_a_noun = 'Mara blushed for her friend, and said,\n\n"He meant well."\n'  # 'her friend' is no subject
    assert attributed(for_a_noun) == [("Mara", "explicit")]


def test_narration_after_a_quote_that_introduces_the_next_is_the_next_ones_tag():
    text = ('Mara had been sharp with him all day. So, when Mrs. Holloway said with forced cheer, "It will rain '
            'tonight," Tobias replied, "Let it."\n')
    assert attributed(text) == [("Mrs. Holloway", "explicit"), ("Tobias", "explicit")]
    any_verb_after = 'Tobias turned to her and replied, "Let it." Mara complied, and sat down.\n'
    assert attributed(any_verb_after) == [("Tobias", "explicit")]  # 'complied' is no speech verb; 'replied' is


def test_a_speech_named_by_a_noun_before_it():
    assert attributed('Mara\'s declaration was, "I will not go."\n') == [("Mara", "explicit")]
    assert attributed('She had this news from Tobias:--\n\n"The coach is gone."\n')[0][0] != "Tobias"  # news is no speech noun
    assert attributed('She had this information from Tobias:--\n\n"The coach is gone."\n') == [("Tobias", "explicit")]


def test_a_whole_word_title_ends_its_sentence():
    text = 'The girls stared at their father. Mrs. Holloway said only,\n\n"Well."\n'
    assert attributed(text) == [("Mrs. Holloway", "explicit")]


def test_the_speaker_introduced_after_the_last_quote_of_the_paragraph_before():
    text = ('"Sit down, Tobias," said Mara.\n\n'
            '"Come with me," said Mrs. Holloway, and led him out. A minute later, Mr. Finch put his head in and called out,\n\n'
            '"Mara, the coach is here."\n')
    assert attributed(text) == [("Mara", "explicit"), ("Mrs. Holloway", "explicit"), ("Mr. Finch", "explicit")]


def test_pronoun_resolved_by_gender_in_a_two_person_scene():
    text = ('"Is the coach ready?" asked Tobias.\n\n'
            '"Not yet," said Mara.\n\n'
            '"Then we wait," he said.\n\n'
            '"We cannot," she answered.\n')
    got = attributed(text)
    assert [s for s, _ in got] == ["Tobias", "Mara", "Tobias", "Mara"]
    assert {r for _, r in got[2:]} <= {"anaphoric", "anaphoric-guess"}


def test_pronoun_after_narration_that_names_the_speaker():
    text = ('"Good morning," said Tobias.\n\n'
            'Mrs. Holloway came in with the post.\n\n'
            '"Letters for you," said she.\n')
    assert attributed(text)[1] == ("Mrs. Holloway", "anaphoric")


def test_a_description_resolved_to_the_character_of_that_gender():
    text = ('"You are early," said Mara.\n\n'
            '"The roads were dry," said Mr. Finch.\n\n'
            '"Were they?"\n\n'
            '"Quite dry," said the old gentleman, smiling.\n')
    assert attributed(text)[3][0] == "Mr. Finch"


def test_a_person_noun_is_a_listed_description_only_when_the_cast_lists_it():
    """A cast that lists 'The Old Woman' and 'The Landlord Of The Farm': 'said the woman' is the
    woman of the scene (Mara), 'said the old woman' and 'said the landlord' are the listed ones."""
    cast = Cast([*CAST.characters, Character("The Old Woman", [], "F"), Character("The Landlord Of The Farm", [], "M")],
                origin="cast.yaml")
    text = ("CHAPTER I.\n\nMara came into the yard.\n\n"
            '"Is anyone here?" said the woman.\n\n"Only me," said the old woman.\n\n"And me," said the landlord.\n')
    assert [s for s, _ in attributed(text, cast)] == ["Mara", "The Old Woman", "The Landlord Of The Farm"]


@pytest.mark.parametrize("text, speaker", [
    # Mara, then Mrs. Holloway, then Mara again as subjects: the latest fitting one
    ('"Good evening," said Tobias.\n\n'
     'Mara looked at her mother. Mrs. Holloway was silent, and Mara tried once more. "Mother," said she, "answer me."\n',
     "Mara"),
    # Mara is the woman just named, but the quote talks of her: the other woman
    ('"Sit," said Mrs. Holloway.\n\n"Thank you," said Mara.\n\n'
     'Mara sat down by the fire. "Mara is tired tonight," she said.\n', "Mrs. Holloway"),
], ids=["the one named last", "not one the quote names"])
def test_a_pronoun_is_the_fitting_person_the_narration_named_last_but_not_one_the_quote_names(text, speaker):
    assert attributed(text)[-1][0] == speaker


def test_a_name_after_a_preposition_or_inside_a_that_clause_is_not_the_pronouns_subject():
    text = ('"Good evening," said Mara.\n\n'
            'Tobias turned to the silent Mr. Finch. "You kept your word," he said.\n\n'
            'Mara hoped that Mrs. Holloway would stay. "Do stay," said she.\n')
    assert [s for s, _ in attributed(text)][1:] == ["Tobias", "Mara"]


def test_his_wife_and_her_father_by_the_family_name():
    """'his wife' of Mr. Holloway is Mrs. Holloway; the 'father' of Mara Holloway, a daughter of the
    house, is Mr. Holloway: not the woman or man the scene names last."""
    cast = Cast([*CAST.characters, Character("Mr. Holloway", [], "M")], origin="cast.yaml")
    text = ('"Supper," said Mara.\n\n"Coming," said Mrs. Holloway.\n\n"Late again," said Mr. Finch.\n\n'
            'Mr. Holloway looked up. "Well?" cried his wife.\n\n'
            'Mara came in with Tobias. "Sit," said her father.\n')
    assert [s for s, _ in attributed(text, cast)][3:] == ["Mrs. Holloway", "Mr. Holloway"]


def test_turn_taking_fills_an_exchange_in_both_directions():
    text = ('"Where were you?"\n\n'
            '"Out," said Tobias.\n\n'
            '"Out where?" asked Mara.\n\n'
            '"Just out."\n\n'
            '"With whom?"\n\n'
            '"Nobody you know."\n')
    got = attributed(text)
    assert [s for s, _ in got] == ["Mara", "Tobias", "Mara", "Tobias", "Mara", "Tobias"]
    assert got[0][1] == got[3][1] == "turn-taking"


def test_the_partner_is_who_the_anchor_was_talking_with():
    """The turn after Tobias answers Mara is Mara's, though Mr. Finch, who breaks in next, stands nearer."""
    text = ('"Did you lock the gate?" said Mara.\n\n'
            '"Twice," said Tobias.\n\n'
            '"Then who opened it?"\n\n'
            '"I did," said Mr. Finch.\n')
    got = attributed(text)
    assert [s for s, _ in got] == ["Mara", "Tobias", "Mara", "Mr. Finch"]
    assert got[2][1] == "turn-taking"


def test_when_the_turns_before_and_after_disagree_the_turns_before_win():
    """The fourth line is Mara's, as a reader going forward takes it (Tobias, Mara, Tobias, Mara), though
    the nearer decided turn after it (Mr. Finch, answered by Mrs. Holloway) would give it to her."""
    text = ('"Is the lamp lit?" said Tobias.\n\n'
            '"Since six," said Mara.\n\n'
            '"And the oil?"\n\n'
            '"Enough for the week."\n\n'
            '"A boat is coming in," said Mr. Finch.\n\n'
            '"At this hour?" said Mrs. Holloway.\n')
    got = attributed(text)
    assert [s for s, _ in got] == ["Tobias", "Mara", "Tobias", "Mara", "Mr. Finch", "Mrs. Holloway"]
    assert got[3][1] == "turn-taking"


def test_narration_in_the_paragraph_names_the_speaker():
    text = ('"Well?" asked Tobias.\n\n'
            'Mara folded the letter. "It is from Mr. Finch."\n')
    assert attributed(text)[1] == ("Mara", "narration")


def test_a_pronoun_subject_in_the_paragraph_names_the_speaker_of_that_gender():
    """Three in the scene, so alternation would give the third quote to Tobias: the narration's 'She'
    picks the one woman who has spoken."""
    text = ('"Is the lamp lit?" said Mara.\n\n'
            '"Since six," said Tobias.\n\n'
            '"Good," said Mr. Finch.\n\n'
            'She turned the wick down. "It smokes."\n')
    assert attributed(text)[-1] == ("Mara", "narration")


def test_a_name_after_a_preposition_is_not_the_pronoun_of_the_next_tag():
    text = 'Mr. Finch handed the letter to Tobias. "Read it," he said.\n'
    assert attributed(text) == [("Mr. Finch", "anaphoric")]


def test_a_pronoun_no_one_in_the_scene_fits_goes_to_who_was_named_before_it():
    filler = "The tide was low and the boats lay on their sides in the mud. " * 16  # past the scene opening
    text = f'Mr. Finch came down to the harbour. {filler}\n\n"A fine night," said he.\n'
    assert attributed(text) == [("Mr. Finch", "anaphoric-guess")]


def test_a_vocative_names_the_addressee_not_the_speaker():
    text = ('"Sit," said Mrs. Holloway.\n\n'
            '"Tell me, Mara, where is Tobias?"\n\n'
            '"In the garden, Mrs. Holloway."\n')
    got = attributed(text)
    assert got[1][0] != "Mara"
    assert got[2][0] == "Mara"  # called by name in the quote before: she answers


def test_an_answer_to_ones_name_is_keyed_by_whether_they_had_spoken_in_the_scene():
    """Called by name, Mara answers; her key says whether she had spoken before in the scene, as
    one who has answers far more surely."""
    first = '"Sit," said Mrs. Holloway.\n\n"Tell me, Mara, where is Tobias?"\n\n"In the garden."\n'
    again = ('"Sit," said Mrs. Holloway.\n\n"Thank you," said Mara.\n\n"Is it cold, Mrs. Holloway?"\n\n'
             '"Tell me, Mara, where is Tobias?"\n\n"In the garden."\n')
    for text, heard in ((first, "new"), (again, "spoke")):
        last = analyse(text, CAST)[0][-1]
        assert last.speaker == "Mara" and last.key.startswith(f"addressed:{heard}-")


def test_an_exclamation_with_an_indefinite_article_calls_nobody():
    from characterkit.parse.novel.patterns import vocative_names

    assert vocative_names("An Invisible Man! And what is he?") == []
    assert vocative_names("Mara! And what is he?") == ["Mara"]


def test_a_vocative_ending_any_sentence_of_the_quote_names_the_addressee():
    """'…taken, Mara? did you…': Mara is spoken to, so 'said she' is the other woman of the scene."""
    from characterkit.parse.novel.patterns import vocative_names

    assert vocative_names("Did you ever sit for a likeness, Mara? did you ever wish to?") == ["Mara"]
    text = ('"Sit," said Mrs. Holloway.\n\n"Thank you," said Mara.\n\n'
            'Mara sat down. "Did you ever sit for a likeness, Mara?" said she, "did you ever wish to?"\n')
    assert attributed(text)[2][0] == "Mrs. Holloway"


def test_names_in_a_list_are_people_spoken_of_not_to():
    from characterkit.parse.novel.patterns import vocative_names

    assert vocative_names("She asked the three teachers, Miss Lane, and Miss Wren, and Miss Ash, to sup with her.") == []
    assert vocative_names("I told you, Mara, and I tell you again.") == ["Mara"]


def test_two_quotes_in_one_paragraph_share_the_speaker():
    text = '"I know," said Tobias. He looked away. "I always knew."\n\n"Knew what?" asked Mara.\n'
    spoken, _ = analyse(text, CAST)
    assert spoken[0].quote.text == "I know, I always knew."  # one utterance
    assert [s.speaker for s in spoken] == ["Tobias", "Mara"]


def test_a_name_the_cast_does_not_list_is_nobody_known():
    text = '"Tickets!" cried Harrington.\n\n"Here," said Mara.\n'
    assert attributed(text) == [(None, "unlisted"), ("Mara", "explicit")]


def test_first_person_narrator_is_the_name_others_call_them():
    watson = Character("Watson", ["John Watson"], "M")
    holmes = Character("Holmes", ["Sherlock Holmes"], "M")
    cast = Cast([watson, holmes])
    lines = []
    for i in range(3):
        lines.append(f'"What is it, Watson?" asked Holmes.\n\n"A letter number {i}," I said.\n')
    got = attributed("\n".join(lines), cast)
    assert got[1] == ("Watson", "narrator")
    assert [s for s, _ in got] == ["Holmes", "Watson"] * 3


def test_i_said_in_a_letter_of_a_third_person_book_names_no_narrator():
    """Three `I said` in a letter among many named tags: the book is not told in the first person."""
    story = "\n".join(f'"Is it raining? Day {i}" asked Holmes.\n\n"It is," said Watson.\n' for i in range(30))
    letter = "".join(f'The letter went on: "Holmes, I wrote to you," I said. "Number {i}."\n\n' for i in range(3))
    spoken, cast = analyse(story + "\n" + letter)  # the cast discovered
    assert sorted(cast.names()) == ["Holmes", "Watson"]  # no 'Narrator', no narrator named Holmes
    assert all(s.speaker is None for s in spoken if s.rule == "narrator" or "I wrote" in s.quote.text)


def test_a_description_learned_as_an_epithet():
    finch = Character("Mr. Finch", [], "M")
    mara = Character("Mara", [], "F")
    scenes = []
    for i in range(4):
        scenes.append(f'"Good day, Mr. Finch," said Mara.\n\n"Day {i}," said the doctor.\n\nCHAPTER {i + 2}.\n')
    got = attributed("".join(scenes), Cast([finch, mara]))
    assert got[-1] == ("Mr. Finch", "epithet")


def test_confidence_orders_the_rules():
    text = ('"Out," said Tobias.\n\n"Out where?"\n\n"Just out."\n')
    spoken, _ = analyse(text, CAST)
    assert spoken[0].confidence > spoken[2].confidence > 0
    assert all(0.0 <= s.confidence <= 1.0 for s in spoken)


def test_guesses_carry_whether_they_land_on_the_main_a_lead_or_a_minor_speaker():
    """A guess's calibration key says if its speaker has the most explicit tags ('main'), at least a
    fifth of them ('lead') or fewer ('minor')."""
    from characterkit.parse.novel.attribute import attribute
    from characterkit.parse.novel.quotes import find_quotes, split_paragraphs

    text = ('"Is the coach ready?" asked Tobias.\n\n'
            '"Not yet," said Mara.\n\n'
            '"Then we wait."\n\n'
            '"We wait," said Mara.\n\n'
            '"How long?" said Mrs. Holloway.\n\n'
            '"An hour," said Mara.\n\n'
            '"An hour!" said Mrs. Holloway.\n\n'
            '"Or two," said Mara.\n\n'
            'Mrs. Holloway sighed. "So long."\n\n'
            'Mara smiled. "Yes."\n')
    paragraphs = split_paragraphs(text)
    found = attribute(text, find_quotes(text, paragraphs), paragraphs, CAST)
    by_rule = {(a.speaker, a.rule, a.detail.rsplit("-", 1)[-1]) for a in found if a.rule != "explicit"}
    # tags: Mara 4, Mrs. Holloway 2, Tobias 1 of 7
    assert by_rule == {("Tobias", "turn-taking", "minor"), ("Mrs. Holloway", "narration", "lead"), ("Mara", "narration", "main")}
    assert all(not a.detail.endswith(("main", "lead", "minor")) for a in found if a.rule == "explicit")


def test_a_turn_in_a_three_voice_scene_where_two_talk_is_keyed_apart():
    """Mrs. Holloway speaks once at the start; many turns later Mara and Tobias are talking alone:
    a guess there is keyed `-s3-l2`, one beside Mrs. Holloway's turn plain `-s3`."""
    from characterkit.parse.novel.attribute import attribute
    from characterkit.parse.novel.quotes import find_quotes, split_paragraphs

    exchange = "".join(f'"Step {i}," said Tobias.\n\n"Yes {i}."\n\n"Step {i}?" said Tobias.\n\n' for i in range(5))
    text = ('"Sit down," said Mrs. Holloway.\n\n"Thank you."\n\n"Well," said Mara.\n\n' + exchange)
    paragraphs = split_paragraphs(text)
    found = attribute(text, find_quotes(text, paragraphs), paragraphs, CAST)
    keys = [a.key for a in found if a.rule == "turn-taking"]
    assert "-s3-l2-" not in keys[0] and "-s3-" in keys[0] and "-s3-l2-" in keys[-1]


def test_someone_the_text_knows_only_by_a_description():
    """'said the ferryman' beside 'said Mr. Finch', turn after turn: the ferryman is a person of his
    own, a character of the discovered cast, not Mr. Finch; the untagged turns between alternate."""
    text = ("CHAPTER I.\n\nMr. Finch came down to the river at dawn.\n\n"
            '"Is the boat ready?" said Mr. Finch.\n\n"Ready enough," said the ferryman.\n\n'
            '"Then take me over," said Mr. Finch.\n\n"That will be a shilling," said the ferryman.\n\n'
            '"A shilling! For that?"\n\n"For that," said the ferryman.\n\n'
            '"Here it is," said Mr. Finch, and stepped in.\n')
    spoken, cast = analyse(text)
    assert "The Ferryman" in cast.names()
    assert [s.speaker for s in spoken] == ["Mr. Finch", "The Ferryman", "Mr. Finch", "The Ferryman", "Mr. Finch",
                                           "The Ferryman", "Mr. Finch"]
    given = Cast([Character("Mr. Finch", [], "M"), Character("Mara", [], "F")], origin="cast.yaml")
    assert [s.speaker for s in analyse(text, given)[0]][1::2] == [None, None, None]  # not a listed character: unlisted


def test_a_described_person_who_speaks_once_beside_the_one_the_guess_lands_on():
    """'said the ferryman' once, between two of Mr. Finch's turns: the guess would make him Mr. Finch
    answering himself, so with a discovered cast he is a person of his own; 'the former' is someone
    the text has named, never a new person."""
    text = ("CHAPTER I.\n\nMr. Finch came down to the river at dawn.\n\n"
            '"Is the boat ready?" said Mr. Finch.\n\n"Ready enough," said the ferryman.\n\n'
            '"Then take me over," said Mr. Finch.\n')
    spoken, cast = analyse(text)
    assert "The Ferryman" in cast.names() and spoken[1].speaker == "The Ferryman"
    assert "The Former" not in analyse(text.replace("the ferryman", "the former"))[1].names()


def test_a_rank_no_one_holds_as_a_title_is_a_person_of_its_own():
    """'said the duchess' with Mara and Lady Vane in the room: no one of the cast holds that title,
    so the duchess is a person of her own, not the partner the guess would make her."""
    scenes = "".join(f'CHAPTER {i + 1}.\n\n"Tea, {i}?" said Mara.\n\nLady Vane looked up from her book.\n\n'
                     f'"Gladly," said the duchess.\n\n"Sugar?" said Mara.\n\n"No," said Lady Vane.\n\n' for i in range(3))
    spoken, cast = analyse(scenes)
    assert "The Duchess" in cast.names() and {s.speaker for s in spoken[1::4]} == {"The Duchess"}


def test_a_description_that_finds_no_one_is_a_person_of_its_own():
    """'answered the keeper' once, in a scene Mara has left: the description finds no one, turn-taking
    would make the keeper Mara; with a discovered cast he is a person of his own. 'the soldiers' are
    many voices, never one person."""
    text = ('CHAPTER I.\n\n"Good morning," said Mara.\n\n"Good morning," said Tobias.\n\n"Tea?" said Mara.\n\n'
            '"Please," said Tobias.\n\nCHAPTER II.\n\n"I am going out," said Mara, and went.\n\n'
            'Tobias sent for the keeper of the park.\n\n"You found him, then?" said Tobias.\n\n'
            '"Yes, sir," answered the keeper.\n\n"Where?" said Tobias.\n')
    spoken, cast = analyse(text)
    assert "The Keeper" in cast.names() and spoken[6].speaker == "The Keeper"
    for many in ("the soldiers", "the two women", "the other half"):
        assert many.title() not in analyse(text.replace("the keeper", many))[1].names()


def test_a_manner_after_a_description_is_no_part_of_the_person():
    for tail in ("in a moment", "in a loud whisper", "with a curious smile", "aloud", "somewhat", "falling back"):
        tag = speech_tag(f" said the old pupil {tail}.")
        assert (tag.kind, tag.phrase) == ("descriptor", "the old pupil"), tail
    assert speech_tag(" said the man in the grey coat.").phrase == "the man in the grey coat"
    assert speech_tag(" said the man with a wooden leg.").phrase == "the man with a wooden leg"
    assert speech_tag(" went on the funny little thing.").phrase == "the funny little thing"  # a noun ending like a participle
    hours = 'CHAPTER I.\n\n"Rain," said Tobias.\n\nIt rained; and as the hours went on it grew brighter, so that Mara clapped, crying:\n\n"Sun!"\n'
    assert not [n for n in analyse(hours)[1].names() if "Hours" in n]  # 'went' is no part of who


def test_a_described_person_beside_someone_named_only_by_the_narration():
    """The barman's neighbours are Mr. Finch by narration ('Mr. Finch sighed.', 'He nodded.') and
    by turn-taking, not by a tag: turn after turn the barman would be the man beside him, so he is a
    person of his own. So is 'the man with the red scarf', though 'man' has a gender: a description
    that singles one person out."""
    for description in ("the barman", "the man with the red scarf"):
        text = ("CHAPTER I.\n\nMr. Finch pushed open the door of the inn.\n\n"
                f'"A pint of ale," said Mr. Finch.\n\n"Right away, sir," said {description}.\n\n'
                f'"And a slice of bread."\n\n"The bread is off," said {description}.\n\n'
                f'Mr. Finch sighed. "Cheese, then."\n\n"Cheese we have," said {description}.\n\n'
                f'He nodded. "Good."\n\n"Anything else?" said {description}.\n')
        spoken, cast = analyse(text)
        assert description.title() in cast.names()
        assert [s.speaker for s in spoken] == ["Mr. Finch", description.title()] * 4


def test_a_description_that_singles_someone_out_is_a_person_of_its_own():
    """'the man in the grey coat', three times: a name the book gives someone, not Tobias, the man
    the narration names in each scene (whom the description would otherwise resolve to)."""
    opening = 'CHAPTER 1.\n\n"Good morning," said Tobias.\n\n"Good morning," said Mara.\n\n"Shall we go?" said Tobias.\n\n'
    scenes = opening + "".join(
        f'CHAPTER {i + 2}.\n\nMara walked with Tobias to the market. She was hungry, and he was not.\n\n'
        f'"Apples, {i}?" said Mara.\n\n"Two pence," said the man in the grey coat.\n\n"Too dear," said Mara.\n\n' for i in range(3))
    spoken, cast = analyse(scenes)
    assert "The Man In The Grey Coat" in cast.names()
    assert [s.speaker for s in spoken[3:6]] == ["Mara", "The Man In The Grey Coat", "Mara"]


def test_a_shorter_description_finds_the_one_its_words_single_out():
    cast = Cast([*CAST, Character("The Man With The Black Beard", [], "M"), Character("The Cabman", [], "M")])
    text = '"Shut the door," said the cabman.\n\n"Where is he?" cried the man with the beard.\n'
    assert attributed(text, cast)[1] == ("The Man With The Black Beard", "described")


def test_a_description_of_someone_named_is_not_a_person_of_its_own():
    """'the beadle' answers Mara, and Mr. Finch, the man of the scene, is never named beside him:
    nobody new, the beadle is Mr. Finch; nor is 'the stranger' (a plain person noun) or 'the voice'."""
    scenes = "".join(f'CHAPTER {i + 1}.\n\nMr. Finch came in.\n\n"Good day, Mara," said Mr. Finch.\n\n'
                     f'"Good day," said Mara.\n\n"Day {i}," said the beadle.\n\n' for i in range(4))
    spoken, cast = analyse(scenes)
    assert "The Beadle" not in cast.names() and spoken[-1].speaker == "Mr. Finch"
    for description in ("the stranger", "the voice"):
        text = ("CHAPTER I.\n\n" + "".join(f'"Who is there? {i}" said Mr. Finch.\n\n"Only me," said {description}.\n\n'
                                             for i in range(4)))
        assert description.title() not in analyse(text)[1].names()


def test_an_epithet_used_as_a_name_is_the_named_character_it_never_answers():
    """'said the Skipper' and 'said Tobias' in the same scenes, never in turns next to each other:
    one man called two ways, one speaker in a discovered cast. Mara, who answers him, stays Mara."""
    scenes = "".join(f'CHAPTER {i + 1}.\n\nThe Skipper stood by the rail with Mara.\n\n'
                     f'"Wind at {i}," said Tobias.\n\n"So it is," said Mara.\n\n"Reef the sail," said the Skipper.\n\n'
                     f'"Aye," said Mara.\n\n"Now," said Tobias.\n\n' for i in range(4))
    spoken, _ = analyse(scenes)
    assert {s.speaker for s in spoken} == {"Tobias", "Mara"}
    assert [s.speaker for s in spoken[:5]] == ["Tobias", "Mara", "Tobias", "Mara", "Tobias"]


def test_an_epithet_that_speaks_mostly_in_scenes_without_the_named_one_stays_apart():
    """The Skipper speaks in eight scenes and Tobias in three of them: fellow crew, not one man."""
    with_tobias = ('CHAPTER {n}.\n\nThe Skipper stood by the rail with Mara.\n\n"Wind at {n}," said Tobias.\n\n'
                   '"So it is," said Mara.\n\n"Reef the sail," said the Skipper.\n\n"Aye," said Mara.\n\n')
    without = ('CHAPTER {n}.\n\nThe Skipper stood by the rail with Mara.\n\n"Rain at {n}," said the Skipper.\n\n'
               '"So it is," said Mara.\n\n')
    scenes = "".join((with_tobias if n < 3 else without).format(n=n + 1) for n in range(8))
    spoken, _ = analyse(scenes)
    assert {s.speaker for s in spoken} == {"Tobias", "Mara", "Skipper"}


def test_a_first_name_two_people_share_is_the_one_the_book_seldom_names_in_full():
    """The book writes 'Charles Hayter' out to tell him apart; plain 'Charles' is the other Charles."""
    cast = Cast([Character("Charles Hayter", [], "M"), Character("Charles Musgrove", [], "M"), *CAST])
    text = ("Charles Musgrove came in. " + "Charles Hayter was walking by the gate. " * 4 + "\n\n"
            '"Good morning," said Charles.\n\n"Good morning," said Mara.\n')
    assert attributed(text, cast)[0] == ("Charles Musgrove", "explicit")
    even = "Charles Musgrove came in. Charles Hayter was walking by the gate.\n\n" + text.split("\n\n", 1)[1]
    assert attributed(even, cast)[0][1] == "explicit-shared"  # written in full as often: the scene decides
