"""The chatlog format: timestamps, WhatsApp exports, system lines, multi-line messages, new days."""

from characterkit.records import BREAK, NARRATION, SPEECH


def speech(lines):
    return [(line.speaker, line.text) for line in lines if line.kind == SPEECH]


def test_plain_timestamps_with_and_without_seconds(parse):
    lines, _ = parse("[12:01] Bob: hi\n[12:02:33] alice: hey: how are you?\n", "chatlog")
    assert speech(lines) == [("Bob", "hi"), ("alice", "hey: how are you?")]


def test_whatsapp_android_and_ios_exports(parse):
    android = ("12/01/2024, 12:01 - Messages and calls are end-to-end encrypted. No one outside of this chat "
               "can read them.\n12/01/2024, 12:01 - Bob: hi\n12/01/2024, 12:03\u202fPM - ~\u202fAnn Lee: hello\n"
               "12/01/2024, 12:04 - Bob joined using this group's invite link\n")
    lines, _ = parse(android, "chatlog")
    assert [(line.kind, line.speaker) for line in lines] == [
        (NARRATION, None), (SPEECH, "Bob"), (SPEECH, "Ann Lee"), (NARRATION, None)]
    ios = ("[12/01/2024, 12:01:33] Family: \u200eMessages and calls are end-to-end encrypted.\n"
           "[12/01/2024, 12:01:40] Bob: hi\n[1/2/24, 9:05:01 AM] Ann: hello\n")
    lines, drops = parse(ios, "chatlog", keep_narration=False, new_day_breaks=False)
    assert speech(lines) == [("Bob", "hi"), ("Ann", "hello")]
    assert drops["system_message"] == 1


def test_a_line_without_timestamp_continues_the_message(parse):
    text = "[12:01] Bob: first line\nsecond line\n\nthird line\n[12:02] Ann: ok\n"
    lines, _ = parse(text, "chatlog")
    assert speech(lines) == [("Bob", "first line second line third line"), ("Ann", "ok")]
    assert lines[0].lineno == 1 and lines[1].lineno == 5


def test_media_deleted_and_edited_messages(parse):
    text = ("12/01/2024, 12:01 - Bob: <Media omitted>\n[12/01/2024, 12:02:00] Ann: \u200eimage omitted\n"
            "12/01/2024, 12:03 - Bob: This message was deleted\n"
            "12/01/2024, 12:04 - Ann: see you at 5 <This message was edited>\n")
    lines, drops = parse(text, "chatlog")
    assert speech(lines) == [("Ann", "see you at 5")]
    assert drops["media_omitted"] == 2 and drops["deleted_message"] == 1


def test_a_new_day_is_a_new_conversation(parse):
    text = "12/01/2024, 23:59 - Bob: night\n13/01/2024, 08:00 - Bob: morning\n13/01/2024, 08:01 - Ann: hi\n"
    lines, _ = parse(text, "chatlog")
    assert [line.kind for line in lines] == [SPEECH, BREAK, SPEECH, SPEECH]
    lines, _ = parse(text, "chatlog", new_day_breaks=False)
    assert BREAK not in [line.kind for line in lines]


def test_actions_are_stripped_from_messages_on_request(parse):
    lines, drops = parse("[12:01] Bob: *waves* hi (finally)\n[12:02] Ann: *waves*\n", "chatlog", strip_actions=True)
    assert speech(lines) == [("Bob", "hi")]
    assert drops["empty_after_strip_actions"] == 1
