"""chat: talk to the character, in the browser (Gradio) or the terminal.

    engine.py    history -> prompt (the LoRA's prompt format) -> streamed reply, stopped per token
    load.py      LoRA folder / run card / base model / character file -> a loaded ChatEngine
    app.py       the Gradio app (endpoint /chat);  terminal.py  the shell loop
    sample.py    a tiny local character for tests, the benchmark and demos

`chat(...)` is what `characterkit chat` calls. torch, transformers and gradio are imported only once
a model is loaded or an app is built.
"""

from __future__ import annotations

import os
import socket
import sys
import threading

from characterkit.chat.engine import DEFAULT_MAX_MESSAGE_CHARS, GenerationSettings
from characterkit.errors import UserError

LOOPBACK = ("127.0.0.1", "localhost", "::1")

# Gradio's analytics look up and call its servers at launch; characterkit sends nothing off the machine
# unless asked. Set before gradio is imported (app.py imports it inside functions); the user's own
# GRADIO_ANALYTICS_ENABLED wins.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def chat(lora: str | None = None, model: str | None = None, character: str | None = None,
         user_name: str | None = None, terminal: bool = False, host: str = "127.0.0.1", port: int = 7860,
         share: bool = False, auth: str | None = None, temperature: float = 0.7, top_p: float = 0.9,
         max_new_tokens: int = 200, repetition_penalty: float = 1.1, seed: int = -1,
         max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS, trust_remote_code: bool = False,
         load_in_8bit: bool = False, load_in_4bit: bool = False, memory: bool = True, precision: str = "auto") -> int:
    """Load the base model recorded in the LoRA folder plus the adapter, and chat as its character:
    in the browser (Gradio on host:port; port 0 = the first free one from 7860) or, with `terminal`,
    in the shell. Every setting and name is checked before the model is loaded. memory: recall the
    character's source lines and summarise old turns (off: drop them, as a chat without memory)."""
    from characterkit.chat.load import chat_dtype, check_quantisation, load_engine, resolve_setup

    settings = GenerationSettings(temperature=temperature, top_p=top_p, max_new_tokens=max_new_tokens,
                                  repetition_penalty=repetition_penalty, seed=seed)
    if max_message_chars < 1:
        raise UserError(f"max message chars must be at least 1, got {max_message_chars}")
    credentials = parse_auth(auth) if auth else None
    setup = resolve_setup(lora=lora, model=model, character=character, user_name=user_name)
    if not terminal:
        check_port(host, port)
    check_quantisation(load_in_8bit, load_in_4bit)
    dtype, why = chat_dtype(precision)
    on_cpu = not _has_cuda()
    _note(f"loading {setup.base_model}" + (f" with the LoRA {setup.lora}" if setup.lora else "")
          + (f" in {dtype} ({why})" if on_cpu else ""))
    engine = load_engine(setup, trust_remote_code=trust_remote_code, load_in_8bit=load_in_8bit,
                         load_in_4bit=load_in_4bit, max_message_chars=max_message_chars, memory=memory,
                         precision=dtype)
    stop_remembering = _remember_in_background(engine)
    try:
        if terminal:
            from characterkit.chat.terminal import run_terminal

            return run_terminal(engine, settings)
        from characterkit.chat.app import build_app, launch_app

        if host not in LOOPBACK and credentials is None:
            _note(f"warning: serving on {host} without --auth: anyone who can reach this machine can use it")
        launch_app(build_app(engine, settings), host=host, port=port or None, share=share, auth=credentials)
        return 0
    finally:
        stop_remembering()


def _remember_in_background(engine):
    """Start computing the kept lines of a LoRA trained with memory blocks (while the page loads and
    the person types); return what stops it and waits for the chunk at hand. The wait matters: a
    thread still inside torch when Python exits aborts the process (measured: exit status 134)."""
    if engine.line_cache is None:
        return lambda: None
    _note(f"reading the {len(engine.memory)} remembered lines in the background (each once, kept for every reply)")
    stop = threading.Event()
    worker = threading.Thread(target=engine.remember_lines, kwargs={"stop": stop}, daemon=True)
    worker.start()

    def stop_and_wait():
        stop.set()
        worker.join()

    return stop_and_wait


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def parse_auth(auth: str) -> tuple[str, str]:
    """`user:password` -> (user, password)."""
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise UserError("--auth must look like user:password")
    return user, password


def check_port(host: str, port: int) -> None:
    """Fail in one line, before the slow model load, when host:port cannot be listened on."""
    if not 0 <= port < 65536:
        raise UserError(f"port must be between 1 and 65535 (or 0 for the first free one), got {port}")
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror as e:
        raise UserError(f"cannot serve on {host}: the host name cannot be resolved ({e.strerror}); "
                        "pass an address such as 127.0.0.1 or 0.0.0.0") from None
    if port == 0:  # Gradio picks the first free port itself
        return
    try:
        with socket.create_server((host, port), family=family):
            pass
    except OSError as e:
        reason = os.strerror(e.errno) if e.errno else str(e)
        raise UserError(f"cannot listen on {host}:{port} ({reason}); another program may be using it: "
                        "pass --port N, or --port 0 for the first free one") from None


def _note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
