"""Chat in the shell: the same engine as the browser, its reply streamed to stdout.

Commands: /retry (regenerate the last reply), /undo (take back the last exchange), /clear (start over
from the greeting), /compare (also answer without the adapter, on/off), /memory (recall the character's
source lines, on/off), /summary (what the folded old turns said), /forget (clear that summary), /help,
/quit (or Ctrl-D).
"""

from __future__ import annotations

from collections.abc import Callable

from characterkit.chat.engine import ChatEngine, GenerationSettings
from characterkit.errors import UserError
from characterkit.memory import ChatMemory
from characterkit.records import Turn

COMMANDS = ("/retry", "/undo", "/clear", "/compare", "/memory", "/summary", "/forget", "/help", "/quit", "/exit")
HELP = ("commands: /retry regenerate the last reply, /undo take back the last exchange, /clear start over, "
        "/compare also answer without the adapter (on/off), /memory recall the character's own lines (on/off), "
        "/summary show the summary of older turns, /forget clear it, /help this list, /quit leave (or Ctrl-D)\n")


def _print(text: str) -> None:
    print(text, end="", flush=True)


def run_terminal(engine: ChatEngine, settings: GenerationSettings, read: Callable[[str], str] = input,
                 write: Callable[[str], None] = _print) -> int:
    """Talk to `engine` until /quit or end of input; returns the exit status (0)."""
    character = engine.character
    history = _opening(engine, write)
    compare = False
    # recall starts as the LoRA was trained (engine.recalls); /memory switches it
    memory = ChatMemory(long_term=engine.recalls) if engine.remembers else None
    write(f"(chatting with {character.name}; /help for commands)\n")
    while True:
        try:
            line = read(f"{character.user_name}: ")
        except EOFError:
            write("\n")
            return 0
        command = line.strip()
        if not command:
            continue
        if command in ("/quit", "/exit"):
            return 0
        if _is_unknown_command(command):
            # A mistyped command sent to the model would become part of the conversation.
            write(f"(unknown command {command.split()[0]}; not sent) {HELP}")
            continue
        if command == "/help":
            write(HELP)
            continue
        if command == "/clear":
            history = _opening(engine, write)
            if memory is not None:
                memory.clear()
            continue
        if command in ("/memory", "/summary", "/forget"):
            _memory_command(command, memory, engine, write)
            continue
        if command == "/compare":
            compare = not compare and engine.has_adapter
            write(f"(answers without the adapter: {'on' if compare else 'off'})\n")
            continue
        if command in ("/undo", "/retry"):
            message, history = _take_back(history, character.user_name)
            if message is None:
                write("(nothing to take back)\n")
                continue
            if command == "/undo":
                write(f"(took back: {message})\n")
                continue
        else:
            message = line
        history = _exchange(engine, history, message, settings, compare, write, memory)


def _is_unknown_command(text: str) -> bool:
    """`/foo` or `/foo bar`: a slash word that is not a command. A message such as "/ means or" or
    "//" is text, so only a slash followed by a letter counts."""
    word = text.split()[0]
    return len(word) > 1 and word[0] == "/" and word[1].isalpha() and word not in COMMANDS


def _opening(engine: ChatEngine, write) -> list[Turn]:
    """A fresh history: just the greeting, printed, when the character has one."""
    character = engine.character
    if not character.greeting:
        return []
    write(f"{character.name}: {character.greeting}\n")
    return [Turn(character.name, character.greeting)]


def _take_back(history: list[Turn], user_name: str) -> tuple[str | None, list[Turn]]:
    """The last message the user sent, and the history before it (None when there is none)."""
    for i in range(len(history) - 1, -1, -1):
        if history[i].speaker == user_name:
            return history[i].text, history[:i]
    return None, history


def _memory_command(command: str, memory: ChatMemory | None, engine: ChatEngine, write) -> None:
    if memory is None:
        write("(memory is off: chat was started with --no-memory)\n")
    elif command == "/memory":
        memory.long_term = not memory.long_term and engine.memory is not None
        write(f"(recalling {engine.character.name}'s own lines: {'on' if memory.long_term else 'off'}"
              + ("" if engine.memory is not None else "; this LoRA has no memory file") + ")\n")
    elif command == "/summary":
        write(f"(summary of {memory.covered} older turns: {memory.summary})\n" if memory.summary
              else "(no summary yet: the whole conversation still fits)\n")
    else:
        memory.clear()
        write("(summary cleared)\n")


def _exchange(engine: ChatEngine, history: list[Turn], message: str, settings: GenerationSettings,
              compare: bool, write, memory: ChatMemory | None = None) -> list[Turn]:
    """Answer `message` (and, with `compare`, again without the adapter); return the new history."""
    name = engine.character.name
    try:
        reply = _stream_to(write, name, engine.stream(history, message, settings, memory=memory))
        if compare:
            base = engine.stream(history, message, settings, use_adapter=False, memory=memory)
            _stream_to(write, f"{name} (without the adapter)", base)
    except UserError as e:
        write(f"error: {e}\n")
        return history
    return [*history, Turn(engine.character.user_name, message), Turn(name, reply)]


def _stream_to(write, label: str, replies) -> str:
    """Print each new piece of a streamed reply after `label`; return the whole reply."""
    write(f"{label}: ")
    shown = ""
    for text in replies:
        # The engine only ever extends what it has shown, so printing the new tail is enough.
        write(text[len(shown):] if text.startswith(shown) else f"\n{label}: {text}")
        shown = text
    write("\n")
    return shown
