"""The Gradio chat: a ChatInterface around `ChatEngine.stream`, with the adapter on/off side by side.

    demo = build_app(engine, GenerationSettings())
    launch_app(demo, host="127.0.0.1", port=7860)      # blocks until Ctrl-C

The endpoint `/chat` (what the browser uses, and what gradio_client calls) takes the message, the
generation settings, the side-by-side switch and the memory controls (recall on/off, for the base
pane too, the summary of folded turns and how many turns it covers); it returns the reply, the
side-by-side chat, the summary and its turn count. Send and Stop sit by the message box, Retry, Undo
and Clear under the chat. gradio is imported inside these functions only.
"""

from __future__ import annotations

from contextlib import closing

from characterkit.chat.engine import ChatEngine, GenerationSettings
from characterkit.errors import UserError
from characterkit.memory import ChatMemory
from characterkit.records import Turn


def messages_to_turns(history: list[dict], engine: ChatEngine) -> list[Turn]:
    """Gradio's openai-style history (content a string or a list of text parts) as prompt turns."""
    names = {"user": engine.character.user_name, "assistant": engine.character.name}
    turns = []
    for message in history:
        text = _text_of(message.get("content"))
        if message.get("role") in names and text.strip():
            turns.append(Turn(names[message["role"]], text))
    return turns


def _text_of(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(_text_of(part) for part in content)
    if isinstance(content, dict):
        return content.get("text", "") if content.get("type", "text") == "text" else ""
    return ""


# Retry, Undo and Clear as labelled buttons under the chat. Each clicks the chatbot's own icon
# button, so the ChatInterface's handling (state, stop, regenerate) is the one that runs.
_CLICK_ICON = "() => document.querySelector('#chat button[aria-label=\"{}\"]')?.click()"

# The page at phone width: every label above its chat (not over the first bubble), and the title's
# first letter in the title's font (Gradio's prose styles a first-letter drop-cap in some themes).
CSS = """
.characterkit-title h2 { font-family: var(--font); }
.characterkit-title h2::first-letter, .characterkit-title p::first-letter { font: inherit; }
#chat label, #chat-base label, #chat .block-label, #chat-base .block-label { position: static; }
.characterkit-actions button { min-width: 5.5em; }
"""


def build_app(engine: ChatEngine, defaults: GenerationSettings, title: str | None = None):
    """A gr.Blocks app for `engine`; `defaults` fill the settings controls.

    The left chat is the character with the LoRA. With "side by side" on, the right one shows the
    same conversation with the base model's answer (adapter switched off) to the last message. The
    settings sit under both chats, so on a phone the two chats stay together.
    """
    import gradio as gr

    character = engine.character
    greeting = [{"role": "assistant", "content": character.greeting}] if character.greeting else []
    controls = _settings_controls(gr, engine, defaults)
    with gr.Blocks(title=title or f"characterkit: {character.name}") as demo:
        gr.Markdown(f"## {character.name}\n{character.persona}", elem_classes="characterkit-title")
        side_by_side = gr.Checkbox(label="Side by side: also answer without the adapter (the base model)",
                                   value=False, visible=engine.has_adapter)
        base_chat = gr.Chatbot(value=greeting, height=520, elem_id="chat-base", render=False,
                               label=f"{character.name}, base model (no adapter)")
        chatbot = gr.Chatbot(value=greeting, height=520, elem_id="chat", render=False,
                             label=f"{character.name} (with the LoRA)" if engine.has_adapter else character.name)
        memory_controls = _memory_controls(gr, engine)
        with gr.Row():
            with gr.Column(min_width=300):
                for control in [*controls, *memory_controls[:3]]:  # the State renders itself
                    control.render()  # rendered, so ChatInterface leaves them for the accordions below
                chat = gr.ChatInterface(
                    _responder(engine), api_name="chat", fill_height=False, chatbot=chatbot,
                    textbox=gr.Textbox(placeholder=f"Say something to {character.name}", label="Your message",
                                       submit_btn="Send",
                                       stop_btn="Stop", max_lines=8),
                    additional_inputs=[*controls, side_by_side, *memory_controls],
                    additional_outputs=[base_chat, *memory_controls[2:]],
                    validator=_validator(engine))
                with gr.Row(elem_classes="characterkit-actions"):
                    for action in ("Retry", "Undo", "Clear"):
                        gr.Button(action, size="sm", variant="secondary", elem_id=f"chat-{action.lower()}").click(
                            None, js=_CLICK_ICON.format(action), api_visibility="private")
            with gr.Column(visible=False, min_width=300) as base_column:
                base_chat.render()
        with gr.Accordion("Memory", open=False, visible=engine.remembers):
            recall, base_recall, summary, covered = memory_controls
            for control in (recall, base_recall, summary):
                control.unrender().render()
            gr.Button("Clear the summary", size="sm", variant="secondary").click(
                lambda: "", None, summary, queue=False, api_visibility="private")
        with gr.Accordion("Generation settings", open=False):
            for control in controls:
                control.unrender().render()
        side_by_side.change(lambda on: gr.Column(visible=on), side_by_side, base_column, api_visibility="private")
        # Undo takes the last exchange out of both chats, so side by side stays in step.
        chat.chatbot.undo(drop_last_exchange, base_chat, base_chat, queue=False, api_visibility="private")
        # Clearing starts the conversation over, and it opens with the greeting again.
        # and with nothing remembered of the conversation before.
        chat.chatbot.clear(lambda: (greeting, greeting, greeting, "", 0), None,
                           [chatbot, chat.chatbot_state, base_chat, summary, covered], queue=False,
                           api_visibility="private")
    return demo


def drop_last_exchange(history: list[dict]) -> list[dict]:
    """`history` without its last user message and the replies after it (unchanged without one)."""
    for i in range(len(history) - 1, -1, -1):
        if history[i].get("role") == "user":
            return history[:i]
    return history


def _validator(engine: ChatEngine):
    """Checks the message before it is sent: a refused one stays in the box, its reason shown there."""
    import gradio as gr

    def validate(message):
        try:
            engine.check_message(message if isinstance(message, str) else _text_of(message))
        except UserError as e:
            return gr.validate(False, str(e))
        return gr.validate(True, "")

    return validate


def _responder(engine: ChatEngine):
    """The ChatInterface function: yields (reply so far, the side-by-side chat or gr.skip())."""
    import gradio as gr

    def respond(message, history, temperature, top_p, max_new_tokens, repetition_penalty, seed, side_by_side,
                recall=False, base_recall=True, summary="", covered=0):
        try:
            settings = GenerationSettings(temperature=temperature, top_p=top_p, max_new_tokens=max_new_tokens,
                                          repetition_penalty=repetition_penalty, seed=-1 if seed is None else seed)
            turns = messages_to_turns(history, engine)
            memory = None
            if engine.remembers:
                memory = ChatMemory(summary=summary or "", covered=int(covered or 0),
                                    long_term=bool(recall) and engine.memory is not None)
            reply, skip = "", gr.skip()
            # closing(): when the user presses stop, Gradio closes this generator; closing the
            # engine's stream in turn ends the generation and frees the engine for the next message.
            with closing(engine.stream(turns, message, settings, memory=memory)) as replies:
                for reply in replies:
                    yield reply, skip, skip, skip
            remembered = (memory.summary, memory.covered) if memory else (skip, skip)
            base_chat = skip
            if side_by_side and engine.has_adapter:
                base_history = [*history, {"role": "user", "content": message}]
                if memory is not None:  # the same summary; recalled lines only if the user wants them here too
                    memory = ChatMemory(memory.summary, memory.covered, memory.long_term and bool(base_recall))
                with closing(engine.stream(turns, message, settings, use_adapter=False, memory=memory)) as replies:
                    for base_reply in replies:
                        base_chat = [*base_history, {"role": "assistant", "content": base_reply}]
                        yield reply, base_chat, skip, skip
            yield reply, base_chat, *remembered  # last: the summary the next message starts from
        except UserError as e:  # a message in the page, an error for API clients; the user's mistake, so no
            raise gr.Error(str(e), print_exception=False) from None  # traceback in the server's log

    return respond


def _memory_controls(gr, engine: ChatEngine) -> list:
    """Recall on/off, recall in the base pane too, the summary (editable) and the turns it covers."""
    has_lines = engine.memory is not None
    return [
        gr.Checkbox(value=engine.recalls, interactive=has_lines, render=False,
                    label=f"Recall {engine.character.name}'s own lines from the source"
                          + ("" if has_lines else " (this LoRA has no memory file)")),
        gr.Checkbox(value=True, interactive=has_lines, render=False, label="Recall them for the base model too"),
        gr.Textbox(value="", label="Summary of the earlier conversation (edit it, or clear it to forget)", lines=3,
                   render=False, elem_id="chat-summary"),
        gr.State(0),  # how many of the oldest turns the summary stands for
    ]


def _settings_controls(gr, engine: ChatEngine, defaults: GenerationSettings) -> list:
    """The generation controls, not yet rendered (ChatInterface puts them in its accordion)."""
    most_new = max(defaults.max_new_tokens, min(2048, engine.context // 2))
    hottest = max(2.0, defaults.temperature)  # the ranges stretch to take any default the CLI accepted
    penalty = (min(1.0, defaults.repetition_penalty), max(2.0, defaults.repetition_penalty))
    return [
        gr.Slider(0, hottest, value=defaults.temperature, step=0.05, label="Temperature (0 = greedy)", render=False),
        gr.Slider(0.05, 1, value=defaults.top_p, step=0.05, label="Top-p", render=False),
        gr.Slider(1, most_new, value=defaults.max_new_tokens, step=1, label="Max new tokens", render=False),
        gr.Slider(*penalty, value=defaults.repetition_penalty, step=0.01, label="Repetition penalty", render=False),
        gr.Number(value=defaults.seed, precision=0, label="Seed (-1 = random)", render=False),
    ]


def launch_app(demo, host: str = "127.0.0.1", port: int | None = 7860, share: bool = False,
               auth: tuple[str, str] | None = None, block: bool = True):
    """Serve `demo` (one reply at a time: the engine is shared) and say where. block=False returns
    at once (tests); the app's address is then `demo.local_url`. port None: the first free from 7860."""
    try:
        demo.queue(default_concurrency_limit=1).launch(
            server_name=host, server_port=port, share=share, auth=auth, inbrowser=False, show_error=True,
            prevent_thread_lock=True, quiet=True, css=CSS)
    except OSError as e:  # the port was taken between our check and the launch
        raise UserError(f"cannot serve on {host}:{port}: {str(e).splitlines()[0]}") from None
    if block:
        public = f" and {demo.share_url}" if demo.share_url else ""
        print(f"chat at {demo.local_url}{public} (Ctrl-C to stop)", flush=True)
        demo.block_thread()
    return demo
