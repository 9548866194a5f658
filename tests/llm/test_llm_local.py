"""The in-process transformers backend: batching that changes nothing, limits, stops, threads."""

import threading

import pytest

from characterkit.errors import UserError
from characterkit.llm import LLMSettings, open_backend
from characterkit.records import Message

SHORT = [Message("user", "Hello.")]
LONG = [Message("system", "You rewrite passages in plain English."),
        Message("user", "There was once a rock in the grey northern sea upon which no tree would grow.")]


def local(model, concurrency=4):
    return open_backend(LLMSettings(backend="local", model=str(model), concurrency=concurrency))


def test_a_batch_gives_each_prompt_the_reply_it_gets_alone(chat_model):
    """Left padding and the attention mask make batching invisible (greedy decoding)."""
    with local(chat_model) as llm:
        alone = [llm.complete(conv, max_tokens=12, temperature=0) for conv in (SHORT, LONG)]
        batched = llm.complete_many([SHORT, LONG], max_tokens=12, temperature=0)
    assert [c.text for c in batched] == [c.text for c in alone]
    assert batched[0].prompt_tokens < batched[1].prompt_tokens  # padding is not counted


def test_each_request_keeps_its_own_max_tokens_when_batched(chat_model):
    replies = {}
    with local(chat_model, concurrency=8) as llm:
        def ask(n):
            replies[n] = llm.complete(LONG, max_tokens=n, temperature=1.0, seed=n)

        threads = [threading.Thread(target=ask, args=(n,)) for n in (1, 2, 3, 5, 8, 13)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(replies) == [1, 2, 3, 5, 8, 13]
    for n, reply in replies.items():
        assert 0 <= reply.completion_tokens <= n
        assert reply.finish_reason in ("stop", "length")


def test_a_stop_string_ends_the_reply(chat_model):
    with local(chat_model) as llm:
        free = llm.complete(LONG, max_tokens=24, temperature=0)
        assert len(free.text) > 2
        stop = free.text[1:3]
        cut = llm.complete(LONG, max_tokens=24, temperature=0, stop=[stop])
    assert stop not in cut.text and free.text.startswith(cut.text)
    assert cut.finish_reason == "stop"


def test_an_unknown_local_model_lists_what_models_holds(tmp_path, monkeypatch):
    monkeypatch.setenv("CHARACTERKIT_HOME", str(tmp_path))
    (tmp_path / "models" / "tiny-a").mkdir(parents=True)
    with pytest.raises(UserError) as err:
        open_backend(LLMSettings(backend="local", model="tiny-b"))
    assert "tiny-b" in str(err.value) and "tiny-a" in str(err.value)
