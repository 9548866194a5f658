"""A client for any OpenAI-compatible chat server: LM Studio, Ollama, llama.cpp, vLLM, OpenAI.

Only two endpoints are used, so every server that speaks the protocol works:
    GET  {base_url}/models             which models the server offers (checked once at open)
    POST {base_url}/chat/completions   one reply per request, non-streaming

One `httpx.Client` is shared by all threads (it is thread-safe and pools connections), so
`concurrency` threads calling `complete` keep that many requests in flight; batching them is the
server's job. Transient failures (connection refused or dropped, timeouts, HTTP 429 and 5xx) are
retried with exponential backoff by tenacity.
"""

from __future__ import annotations

import httpx
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from characterkit.errors import UserError
from characterkit.llm.base import Backend, Completion, LLMSettings, RequestRejected
from characterkit.records import Message

START_SERVER_HINT = ("start LM Studio's server (Developer tab -> Start server, or `lms server start`), "
                     "or point --base-url at a running OpenAI-compatible server")


class ServerTrouble(Exception):
    """An HTTP status worth retrying (429 or 5xx); carries the status and the server's words."""

    def __init__(self, status: int, detail: str):
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status


def _is_transient(exc: BaseException) -> bool:
    return isinstance(exc, (httpx.TransportError, ServerTrouble))


class OpenAIBackend(Backend):
    """Chat completions over HTTP. `model` empty means the server's first listed model."""

    name = "openai"

    def __init__(self, settings: LLMSettings, backoff: float = 0.5):
        super().__init__()
        self.base_url = settings.base_url.rstrip("/")
        self.attempts = settings.retries
        self.backoff = backoff  # first wait in seconds; doubles up to 30 s
        headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
        self.client = httpx.Client(
            base_url=self.base_url, headers=headers,
            timeout=httpx.Timeout(settings.timeout, connect=min(10.0, settings.timeout)),
            limits=httpx.Limits(max_connections=settings.concurrency + 2, max_keepalive_connections=settings.concurrency),
        )
        self.model = settings.model
        self._listed = None

    def open(self) -> "OpenAIBackend":
        """Check the server answers and knows the model; pick the first model when none was named."""
        listed = self.models()
        if not self.model:
            if not listed:
                raise UserError(f"the server at {self.base_url} lists no models; name one with --model")
            self.model = listed[0]
        elif listed and self.model not in listed:
            raise self._unknown_model(f"it offers: {', '.join(listed)}")
        return self

    def models(self) -> list[str]:
        if self._listed is None:
            data = self._send("GET", "/models").get("data") or []
            self._listed = [m["id"] for m in data if isinstance(m, dict) and "id" in m]
        return self._listed

    def complete(self, messages: list[Message], *, max_tokens: int = 256, temperature: float = 0.7,
                 top_p: float | None = None, seed: int | None = None, stop: list[str] | None = None) -> Completion:
        body = {"model": self.model, "messages": [_message_dict(m) for m in messages],
                "max_tokens": max_tokens, "temperature": temperature, "stream": False}
        for key, value in (("top_p", top_p), ("seed", seed), ("stop", stop)):
            if value is not None:
                body[key] = value
        data = self._send("POST", "/chat/completions", json=body)
        try:
            choice = data["choices"][0]
            text = choice["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            raise RequestRejected(f"the server's reply has no choices[0].message.content: {str(data)[:200]}") from None
        usage = data.get("usage") or {}
        return Completion(text=text, prompt_tokens=int(usage.get("prompt_tokens") or 0),
                          completion_tokens=int(usage.get("completion_tokens") or 0),
                          finish_reason=choice.get("finish_reason") or "stop")

    def close(self) -> None:
        self.client.close()

    # -- one request, retried ---------------------------------------------------------------

    def _send(self, method: str, path: str, json: dict | None = None) -> dict:
        """One HTTP exchange with retries on transient trouble; errors turned into our two kinds."""
        retrying = Retrying(
            retry=retry_if_exception(_is_transient), stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=self.backoff, max=30), reraise=True,
            before_sleep=lambda state: self.count_retry(),
        )
        try:
            return retrying(self._send_once, method, path, json)
        except httpx.TransportError as e:
            raise UserError(f"cannot reach the LLM server at {self.base_url} ({_reason(e)}) after "
                            f"{self.attempts} attempt(s); {START_SERVER_HINT}") from None
        except ServerTrouble as e:
            raise UserError(f"the LLM server at {self.base_url} kept failing ({e}) after "
                            f"{self.attempts} attempt(s)") from None

    def _send_once(self, method: str, path: str, json: dict | None) -> dict:
        response = self.client.request(method, path, json=json)
        status = response.status_code
        if status == 429 or status >= 500:
            raise ServerTrouble(status, _detail(response))
        if status in (401, 403):
            raise UserError(f"the LLM server at {self.base_url} refused the API key (HTTP {status}); "
                            "set --api-key or OPENAI_API_KEY")
        if status == 404 and path == "/models":
            raise UserError(f"{self.base_url}/models was not found (HTTP 404): is --base-url the API root, "
                            "usually ending in /v1?")
        if status == 404 or (status == 400 and _mentions_model(_detail(response), self.model)):
            raise self._unknown_model(f"the server says: {_detail(response)}")
        if status >= 400:
            raise RequestRejected(f"HTTP {status}: {_detail(response)}")
        try:
            return response.json()
        except ValueError:
            raise RequestRejected(f"the server's reply is not JSON: {response.text[:200]!r}") from None

    def _unknown_model(self, why: str) -> UserError:
        listed = self._listed or []
        offer = f"models listed at {self.base_url}/models: {', '.join(listed)}" if listed else \
            f"{self.base_url}/models lists none"
        return UserError(f"unknown model {self.model!r} ({why}); {offer}")


def _message_dict(message: Message | dict) -> dict:
    if isinstance(message, dict):
        return message
    row = {"role": message.role, "content": message.content}
    if message.name:
        row["name"] = message.name
    return row


def _detail(response: httpx.Response) -> str:
    """The server's own words about an error, from the usual JSON shapes, else the raw text."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:300].strip()
    if isinstance(data, dict):
        error = data.get("error", data.get("detail", data))
        if isinstance(error, dict):
            error = error.get("message", error)
        return str(error)[:300]
    return str(data)[:300]


def _mentions_model(detail: str, model: str) -> bool:
    """Some servers answer an unknown model with 400 and a message naming it: "Server is pinned to
    '/x'; requested 'nope'." (transformers serve), "model 'nope' not found" (Ollama)."""
    if not model or model not in detail:
        return False
    return "model" in detail.lower() or any(f"{q}{model}{q}" in detail for q in "'\"`")


def _reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "connection refused"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    return type(exc).__name__
