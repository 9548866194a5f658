"""A real OpenAI-compatible server on 127.0.0.1, for tests, benchmarks and fully offline runs.

    with LocalServer("models/tiny") as server:
        backend = open_backend(LLMSettings(base_url=server.base_url, model=server.model))

It runs `transformers serve MODEL_DIR` (part of transformers; needs fastapi and uvicorn) in a child
process. We chose it over llama.cpp's servers because it installs with no compiler (llama-cpp-python
takes 4-8 minutes to build on a 2-core CI machine), serves the same HF folders the rest of
characterkit trains and chats with, and with `--continuous-batching` decodes concurrent requests
together, like LM Studio's parallel predictions. Its quirks, handled here or in the client:
- the model id to send is the folder path exactly as given on its command line (`server.model`);
  other names get HTTP 400, and `/v1/models` lists only hub-cache models, so it is empty here;
- without an existing HF_HUB_CACHE folder `/v1/models` answers 500, so we give it an empty one;
- a model needs a chat template; `ensure_chat_template` adds a plain one to base models.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from characterkit.errors import UserError

PLAIN_TEMPLATE = ("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
                  "{% if add_generation_prompt %}assistant:{% endif %}")


def ensure_chat_template(model_dir) -> bool:
    """Give a base model's tokenizer a plain `role: text` chat template; True if one was added."""
    model_dir = Path(model_dir)
    config_path = model_dir / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.exists() else {}
    if (model_dir / "chat_template.jinja").exists() or config.get("chat_template"):
        return False
    (model_dir / "chat_template.jinja").write_text(PLAIN_TEMPLATE, encoding="utf-8")
    return True


def serving_available() -> bool:
    """Whether `transformers serve` can run here (it needs the `serving` extras: fastapi, uvicorn, openai)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("fastapi", "uvicorn", "openai", "transformers"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalServer:
    """`transformers serve` for one model folder, started and stopped by this object."""

    def __init__(self, model_dir, port: int | None = None, continuous_batching: bool = True,
                 log_path=None, threads: int | None = None):
        self.model_dir = Path(model_dir).resolve()
        self.model = str(self.model_dir)  # the id the server is pinned to
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.continuous_batching = continuous_batching
        self.log_path = Path(log_path) if log_path else None
        self.threads = threads
        self.process: subprocess.Popen | None = None
        self._cache = None

    def start(self, timeout: float = 120.0) -> "LocalServer":
        """Start the server (again, after `kill`, on the same port) and wait until `/v1/models`
        answers: a few seconds, more on a busy machine."""
        if not serving_available():
            raise UserError("`transformers serve` needs fastapi and uvicorn: pip install 'transformers[serving]'")
        ensure_chat_template(self.model_dir)
        if self._cache is None:  # kept across a kill() and start() again
            self._cache = tempfile.TemporaryDirectory(prefix="characterkit-hub-")
        env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HUB_CACHE=self._cache.name, TRANSFORMERS_VERBOSITY="error")
        if self.threads:
            env["OMP_NUM_THREADS"] = str(self.threads)
        command = [sys.executable, "-m", "transformers.cli.transformers", "serve", self.model,
                   "--host", "127.0.0.1", "--port", str(self.port), "--device", "cpu", "--log-level", "warning",
                   "--continuous-batching" if self.continuous_batching else "--no-continuous-batching"]
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        if log is not subprocess.DEVNULL:
            log.close()
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"transformers serve exited with {self.process.returncode}; see {self.log_path}")
            try:
                if httpx.get(self.base_url + "/models", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"transformers serve did not answer within {timeout:.0f} s")

    def kill(self) -> None:
        """SIGKILL, as a crash would: no graceful shutdown, requests in flight are cut."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        if self._cache is not None:
            self._cache.cleanup()
            self._cache = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
