"""Quote detection: every shape of quotation on passages written here, with exact offsets."""

from characterkit.parse.novel.quotes import DOUBLE, SINGLE, detect_style, find_quotes, narration_around, split_paragraphs


def pieces(text):
    """Each quote as the list of its pieces' words (checks that spans point at the right text)."""
    return [[text[s:e] for s, e in q.spans] for q in find_quotes(text)]


def test_straight_and_curly_double_quotes():
    text = '"Where is it?" asked Jo.\n\n“Here,” said Meg, “on the shelf.”\n'
    assert pieces(text) == [["Where is it?"], ["Here,", "on the shelf."]]
    assert detect_style(text) == DOUBLE


def test_a_quote_broken_by_narration_is_one_utterance():
    text = '"Well," said Jo, pulling on her gloves, "I never thought it."\n'
    (quote,) = find_quotes(text)
    assert len(quote.spans) == 2
    assert quote.text == "Well, I never thought it."
    assert text[quote.start : quote.end].startswith("Well,") and text[quote.end] == '"'


def test_words_the_narration_mentions_are_not_speech():
    text = ('\u201cThe boat will not come back this year.\u201d Nobody would say\n\u201cperhaps never,\u201d but each of them '
            'thought it, and the \u201cold tub\u201d stayed on the shore.\n\n'
            '\u201cCome here,\u201d said Oswin, \u201cnow.\u201d\n')
    assert [q.text for q in find_quotes(text)] == ["The boat will not come back this year.", "Come here, now."]


def test_speech_over_several_paragraphs_is_one_quote():
    text = ('"It began in the spring," said the captain. "We sailed north.\n\n'
            '"The ice came early that year.\n\n'
            '"And nobody came home."\n\nThe room was silent.\n\n"Nobody?" asked Jo.\n')
    quotes = find_quotes(text)
    assert [len(q.spans) for q in quotes] == [4, 1]
    assert quotes[0].first_paragraph == 0 and quotes[0].last_paragraph == 2
    assert quotes[0].text.endswith("The ice came early that year. And nobody came home.")
    assert quotes[1].text == "Nobody?"


def test_single_quote_dialogue_is_told_from_apostrophes():
    text = ("‘I don’t know,’ said Alice, ‘but ’tis the boys’ room, isn’t it?’\n\n"
            "‘Sha’n’t,’ said the Cook.\n")
    assert detect_style(text) == SINGLE
    assert pieces(text) == [["I don’t know,", "but ’tis the boys’ room, isn’t it?"], ["Sha’n’t,"]]


def test_backtick_opening_marks_of_old_etexts():
    text = "`Off with her head!' the Queen shouted.\n\n`Nonsense!' said Alice.\n"
    assert pieces(text) == [["Off with her head!"], ["Nonsense!"]]


def test_nested_quotes_stay_inside_the_outer_quote():
    text = "\"He said 'never' to me,\" cried Jo, \"and 'never' he meant.\"\n"
    assert pieces(text) == [["He said 'never' to me,", "and 'never' he meant."]]
    curly = "‘Read “The Raven” to me,’ said Amy.\n\n‘Not now,’ said Jo.\n"
    assert pieces(curly) == [["Read “The Raven” to me,"], ["Not now,"]]


def test_an_unclosed_quote_ends_with_its_paragraph():
    text = '"I will not go, said Beth.\n\nShe went anyway.\n'
    assert pieces(text) == [["I will not go, said Beth."]]


def test_a_second_speech_verb_in_the_paragraph_starts_another_utterance():
    text = '"I mean it," the Turtle replied. And the Gryphon added "Come, tell us."\n'
    assert pieces(text) == [["I mean it,"], ["Come, tell us."]]
    same = '"I know," said Jo. She smiled. "I always knew."\n'  # no second speech verb: one utterance
    assert pieces(same) == [["I know,", "I always knew."]]


def test_narration_with_two_speech_verbs_or_after_a_finished_sentence_starts_another_utterance():
    two_verbs = '"It is late," Tom answered, so sharply that his aunt cried, "Then go to bed!"\n'
    assert pieces(two_verbs) == [["It is late,"], ["Then go to bed!"]]
    new_sentence = '"Sit down." Rose was hurt, and her cousin, who saw it, said gently, "I meant no harm."\n'
    assert pieces(new_sentence) == [["Sit down."], ["I meant no harm."]]
    one_tag = '"I know," said Jo, and then added, "I always knew."\n'  # one speech act: one utterance
    assert pieces(one_tag) == [["I know,", "I always knew."]]


def test_narration_tagging_one_piece_and_introducing_the_next_by_another_name_parts_them():
    text = '"I cannot spare her," was Meg\'s answer; and Jo\'s reply was, "Then keep her."\n'
    assert pieces(text) == [["I cannot spare her,"], ["Then keep her."]]


def test_a_title_in_the_tag_between_two_pieces_ends_no_sentence():
    assert pieces('"Yes," Mr. Finch replied, "I will."\n') == [["Yes,", "I will."]]


def test_pieces_the_narration_before_gives_to_one_and_the_tag_between_to_another_are_two_utterances():
    text = 'So, when Mrs. Grey said with a smile, "You want your tea," Mr. Finch replied, "I waited long enough."\n'
    assert pieces(text) == [["You want your tea,"], ["I waited long enough."]]
    same = 'So Mr. Finch said, "You want your tea," Mr. Finch added, "I know."\n'
    assert pieces(same) == [["You want your tea,", "I know."]]


def test_two_pieces_with_nothing_between_them_are_two_utterances():
    text = '"Oh, sir?" said the maid. "Not your tea?" "I have got out of the habit," said the master.\n'
    assert pieces(text) == [["Oh, sir?", "Not your tea?"], ["I have got out of the habit,"]]


def test_a_tag_ending_its_sentence_and_another_after_the_second_piece_are_two_utterances():
    text = '"No," said the clerk. "Yes," said the porter.\n'
    assert pieces(text) == [["No,"], ["Yes,"]]
    kept = '"No," said the clerk. "Not today."\n'  # the second piece has no tag of its own: one utterance
    assert pieces(kept) == [["No,", "Not today."]]


def test_far_apart_pieces_of_one_paragraph_are_separate_utterances():
    gap = "They walked on. " * 30
    text = f'"Yes," said Jo. {gap}"No," said Meg.\n'
    assert len(find_quotes(text)) == 2


def test_headings_and_scene_breaks_hold_no_quotes():
    text = ('CHAPTER IV.\n\n"Hello," said Jo.\n\n* * *\n\nChapter 5\nThe Letter\n\nXII.\n\nIt rained.\n\n'
            'CHAPTER VI.\n"Hello again," said Jo, right under the heading.\n')
    paragraphs = split_paragraphs(text)
    assert [p.heading for p in paragraphs] == [True, False, True, True, True, False, True, False]
    assert text[paragraphs[6].start : paragraphs[6].end] == "CHAPTER VI."
    assert [q.text for q in find_quotes(text, paragraphs)] == ["Hello,", "Hello again,"]


def test_one_paragraph_per_line_when_there_are_no_blank_lines():
    lines = [f'"Line {i}," said Jo.' if i % 2 else "Narration here." for i in range(60)]
    text = "\n".join(lines)
    assert len(split_paragraphs(text)) == 60
    assert len(find_quotes(text)) == 30


def test_narration_around_a_quote():
    text = ('Meg looked up, and said,\n\n"Is it you?"\n\n'
            '"It is," replied Jo, smiling, "and nobody else." She laughed.\n')
    paragraphs = split_paragraphs(text)
    quotes = find_quotes(text, paragraphs)
    first, second = narration_around(text, quotes, paragraphs)
    assert first.before == "Meg looked up, and said,"  # the paragraph before, when the quote opens its own
    assert second.gaps == ["replied Jo, smiling,"]
    assert second.after == "She laughed."
