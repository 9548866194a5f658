"""The OpenAI-compatible client's handling of the HTTP protocol: retries, errors, model checks.

The real-server behaviour (concurrency, kill and resume) is tested against `transformers serve` in
tests/style. Here a stdlib HTTP server answers with scripted status codes, because no real server
produces a 429 or a 503 on demand.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from characterkit.errors import UserError
from characterkit.llm import LLMSettings, RequestRejected, open_backend
from characterkit.llm.openai_http import OpenAIBackend
from characterkit.records import Message

COMPLETION = {"choices": [{"message": {"role": "assistant", "content": "Hello there."}, "finish_reason": "stop"}],
              "usage": {"prompt_tokens": 7, "completion_tokens": 3}}


class Scripted(BaseHTTPRequestHandler):
    """GET /v1/models lists `models`; POST /v1/chat/completions answers the next scripted status."""

    models = ["alpha", "beta"]
    script: list = []
    bodies: list = []

    def do_GET(self):
        self._answer(200, {"data": [{"id": m} for m in self.models]})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).bodies.append(body)
        status = type(self).script.pop(0) if type(self).script else 200
        self._answer(status, COMPLETION if status == 200 else {"error": {"message": f"scripted {status}"}})

    def _answer(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub():
    Scripted.script, Scripted.bodies = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def backend(url, **kw):
    settings = LLMSettings(base_url=url, **{"model": "alpha", "retries": 4, **kw})
    return OpenAIBackend(settings, backoff=0.01).open()


def test_429_and_5xx_are_retried_then_the_reply_comes_through(stub):
    Scripted.script = [429, 503, 500]
    with backend(stub) as llm:
        reply = llm.complete([Message("system", "Be brief."), Message("user", "Hi")], max_tokens=5, seed=3)
        assert (reply.text, reply.prompt_tokens, reply.completion_tokens) == ("Hello there.", 7, 3)
        assert llm.retries == 3
    sent = Scripted.bodies[-1]
    assert sent["model"] == "alpha" and sent["max_tokens"] == 5 and sent["seed"] == 3
    assert sent["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]


def test_a_server_that_keeps_failing_is_a_user_error_naming_it(stub):
    Scripted.script = [503] * 10
    with backend(stub, retries=2) as llm, pytest.raises(UserError) as err:
        llm.complete([Message("user", "Hi")])
    assert stub in str(err.value) and "503" in str(err.value)


def test_a_bad_request_is_rejected_at_once_not_retried(stub):
    Scripted.script = [400]
    with backend(stub) as llm, pytest.raises(RequestRejected, match="scripted 400"):
        llm.complete([Message("user", "Hi")])
    assert llm.retries == 0 and len(Scripted.bodies) == 1


def test_a_refused_api_key_says_how_to_set_one(stub):
    Scripted.script = [401]
    with backend(stub) as llm, pytest.raises(UserError, match="OPENAI_API_KEY"):
        llm.complete([Message("user", "Hi")])


def test_an_unknown_model_lists_the_servers_models(stub):
    with pytest.raises(UserError) as err:
        backend(stub, model="gamma")
    assert "'gamma'" in str(err.value) and "alpha, beta" in str(err.value)


def test_no_model_named_takes_the_first_listed(stub):
    with open_backend(LLMSettings(base_url=stub)) as llm:
        assert llm.model == "alpha"


def test_an_unreachable_server_names_the_url_and_suggests_lm_studio():
    url = "http://127.0.0.1:9/v1"  # the discard port: nothing listens there
    with pytest.raises(UserError) as err:
        open_backend(LLMSettings(base_url=url, retries=2))
    assert url in str(err.value) and "LM Studio" in str(err.value)


@pytest.mark.parametrize("settings, complaint", [
    (dict(backend="ollama"), "unknown LLM backend"),
    (dict(concurrency=0), "--concurrency"),
    (dict(base_url="localhost:1234"), "--base-url"),
    (dict(backend="local", concurrency=0), "--concurrency"),  # no --model is fine: SmolLM2 is the default
])
def test_bad_settings_fail_with_a_sentence(settings, complaint):
    with pytest.raises(UserError, match=complaint):
        LLMSettings(**settings)
