"""Memory in the chat engine: recalled source lines in the persona block, old turns folded into a summary."""

from characterkit.memory import ChatMemory, MemoryEntry, MemoryIndex
from characterkit.records import Turn

ENTRIES = [
    MemoryEntry("Mara", "The lighthouse keeper drowned in the winter storm.", "Tobias: What happened to the keeper?"),
    MemoryEntry("Mara", "I planted the apple orchard behind the mill myself.", "Tobias: Who planted those trees?"),
    MemoryEntry("Mara", "Rope, lanterns and a spare sail.", ""),
]


def _engine(engine, context=None, memory=True):
    from characterkit.chat.engine import ChatEngine

    return ChatEngine(engine.model, engine.tokenizer, engine.character, context=context,
                      memory=MemoryIndex(ENTRIES) if memory else None)


def test_recalled_lines_go_into_the_persona_block(engine):
    chat = _engine(engine)
    assert chat.build_prompt([], "Who planted the orchard?", 40)[1].memories == []  # recall is asked for
    prompt, conv, _ = chat.build_prompt([], "Who planted the orchard?", 40, ChatMemory(long_term=True))
    persona_block = prompt.split("<START>")[0]
    assert "apple orchard behind the mill" in persona_block
    assert "Things Mara has said before:" in persona_block
    assert conv.memories and "drowned" not in persona_block  # only what is relevant
    history = [Turn("You", "Who planted those trees?"), Turn("Mara", "I planted the apple orchard behind the mill myself.")]
    again = chat.build_prompt(history, "The orchard, you say?", 40, ChatMemory(long_term=True))[1]
    assert not any("apple orchard" in line for line in again.memories)  # the conversation already shows it


def test_memory_off_gives_the_prompt_of_a_chat_without_memory(engine):
    with_memory = _engine(engine)
    plain = _engine(engine, memory=False)
    off = ChatMemory(long_term=False)
    message = "Who planted the orchard?"
    assert with_memory.build_prompt([], message, 40, off)[0] == plain.build_prompt([], message, 40)[0]
    assert plain.build_prompt([], message, 40)[0] == engine.build_prompt([], message, 40)[0]


def test_folded_turns_become_a_summary_and_the_prompt_fits(engine):
    chat = _engine(engine, context=400, memory=False)
    history = [Turn("You" if i % 2 else "Mara", f"turn{i:02d} about boats") for i in range(60)]
    state = ChatMemory()
    prompt, conv, left_out = chat.build_prompt(history, "newest message", 40, state)
    assert 0 < state.covered == left_out < len(history)
    assert state.summary and conv.summary == state.summary
    assert "Earlier in this conversation:" in prompt and "newest message" in prompt
    assert len(chat.prompt_ids(prompt)) <= 400 - 40
    assert "turn59" in prompt and "turn00" not in prompt
    # the next reply reuses the summary instead of summarising the same turns again
    covered = state.covered
    chat.build_prompt(history, "another message", 40, state)
    assert state.covered >= covered


def test_a_model_that_writes_no_summary_gets_an_extractive_one():
    from characterkit.memory.summary import SUMMARY_WORDS, extractive_summary, usable

    turns = [Turn("You", "Where is the boat?"), Turn("Mara", "In the harbour, tied to the old post by the mill.")]
    summary = extractive_summary("", turns)
    assert summary.startswith("You: Where is the boat?; Mara: In the harbour")
    assert not usable("!! ??") and usable("Mara said the boat is in the harbour.")
    long = extractive_summary("", [Turn("You", "word " * 50)] * 5)
    assert len(long.split()) <= SUMMARY_WORDS


def test_undo_below_the_summary_shrinks_what_it_covers():
    state = ChatMemory(summary="they met", covered=10)
    state.fit(4)
    assert state.covered == 4
    state.clear()
    assert (state.summary, state.covered) == ("", 0)


def test_stream_reports_recalled_lines_and_their_time(engine):
    from characterkit.chat.engine import GenerationSettings

    chat = _engine(engine)
    chat.reply([], "Tell me about the orchard.", GenerationSettings(temperature=0, max_new_tokens=5),
               memory=ChatMemory(long_term=True))
    stats = chat.last_stats
    assert stats.memories >= 1 and 0 < stats.memory_seconds <= stats.seconds_to_first_token


def test_terminal_memory_commands(engine):
    from characterkit.chat.engine import ChatEngine, GenerationSettings
    from characterkit.chat.terminal import run_terminal

    chat = ChatEngine(engine.model, engine.tokenizer, engine.character, memory=MemoryIndex(ENTRIES))
    lines = iter(["/summary", "/memory", "/memory", "/memory", "Who planted the orchard?", "/forget", "/quit"])
    out = []
    run_terminal(chat, GenerationSettings(temperature=0, max_new_tokens=8), read=lambda _: next(lines),
                 write=out.append)
    text = "".join(out)
    assert "(no summary yet: the whole conversation still fits)" in text
    assert "recalling Mara's own lines: off" in text and "recalling Mara's own lines: on" in text
    assert "(summary cleared)" in text
    assert chat.last_stats.memories >= 1  # /memory three times: on, off, on; the orchard line was recalled


def test_terminal_without_memory_says_so(engine):
    from characterkit.chat.engine import ChatEngine, GenerationSettings
    from characterkit.chat.terminal import run_terminal

    chat = ChatEngine(engine.model, engine.tokenizer, engine.character, remembers=False)
    lines = iter(["/summary", "/quit"])
    out = []
    run_terminal(chat, GenerationSettings(temperature=0), read=lambda _: next(lines), write=out.append)
    assert "memory is off" in "".join(out)


def test_the_page_folds_old_turns_into_the_summary_it_shows(engine):
    """The app's chat function with a history too long for the context: its last output carries the
    summary (shown in the page) and how many turns it covers; the next call starts from them."""
    from characterkit.chat.app import _responder

    chat = _engine(engine, context=400)
    history = []
    for i in range(30):
        history += [{"role": "user", "content": f"question{i:02d} about boats"},
                    {"role": "assistant", "content": f"answer{i:02d} about sails"}]
    outputs = list(_responder(chat)("newest", history, 0, 0.9, 8, 1.1, 0, False, True, True, "", 0))
    *_, summary, covered = outputs[-1]
    assert summary and 0 < covered < 60
    assert chat.last_stats.summarised_turns == covered
    again = list(_responder(chat)("next", history, 0, 0.9, 8, 1.1, 0, False, True, True, summary, covered))[-1]
    assert again[-1] >= covered and chat.last_stats.summarised_turns == again[-1] - covered
