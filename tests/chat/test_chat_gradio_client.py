"""The app's /chat endpoint through gradio_client: the reply the browser shows, streamed, side by side."""

import pytest

from characterkit.records import Turn

MESSAGE = "Do you ever get lonely out here?"


@pytest.fixture(scope="module")
def app_url(engine):
    from characterkit.chat.app import build_app, launch_app
    from characterkit.chat.engine import GenerationSettings

    demo = launch_app(build_app(engine, GenerationSettings(temperature=0, max_new_tokens=40)), port=None, block=False)
    yield demo.local_url
    demo.close()


def _client(url):
    from gradio_client import Client

    return Client(url, verbose=False)  # a fresh client is a fresh conversation


def _expected(engine, message, use_adapter=True):
    """What the engine says to `message` after the greeting, with the app's default settings."""
    from characterkit.chat.engine import GenerationSettings

    greeting = [Turn(engine.character.name, engine.character.greeting)]
    return engine.reply(greeting, message, GenerationSettings(temperature=0, max_new_tokens=40), use_adapter)


def test_chat_endpoint_answers_after_the_greeting(app_url, engine):
    reply, *_ = _client(app_url).predict(message=MESSAGE, api_name="/chat")
    assert reply == _expected(engine, MESSAGE)
    assert reply and "\n" not in reply


def test_chat_endpoint_streams(app_url, engine):
    job = _client(app_url).submit(message=MESSAGE, api_name="/chat")
    job.result()  # wait for the end of the stream
    texts = [output[0] for output in job.outputs()]
    assert len(texts) > 1 and texts[-1] == _expected(engine, MESSAGE)
    assert all(texts[-1].startswith(t) for t in texts)


def test_side_by_side_adds_the_answer_without_the_adapter(app_url, engine):
    reply, base_chat, *_ = _client(app_url).predict(message=MESSAGE, side_by_side=True, api_name="/chat")
    assert reply == _expected(engine, MESSAGE)
    assert [m["role"] for m in base_chat] == ["assistant", "user", "assistant"]  # greeting, message, answer
    assert base_chat[-1]["content"] == _expected(engine, MESSAGE, use_adapter=False)


def test_a_message_over_the_cap_is_refused_with_a_message(app_url, engine):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="limit is"):
        _client(app_url).predict(message="x" * (engine.max_message_chars + 1), api_name="/chat")


def test_history_messages_become_turns(engine):
    from characterkit.chat.app import messages_to_turns

    history = [{"role": "assistant", "content": [{"type": "text", "text": "Hello."}]},
               {"role": "user", "content": "Hi"}, {"role": "system", "content": "ignored"},
               {"role": "assistant", "content": ""}]
    assert messages_to_turns(history, engine) == [Turn("Mara", "Hello."), Turn("You", "Hi")]


def test_auth_keeps_out_clients_without_the_password(engine):
    from characterkit.chat.app import build_app, launch_app
    from characterkit.chat.engine import GenerationSettings

    demo = launch_app(build_app(engine, GenerationSettings(temperature=0, max_new_tokens=20)), port=None,
                      auth=("mara", "lamp"), block=False)
    try:
        from gradio_client import Client
        from gradio_client.exceptions import AuthenticationError

        with pytest.raises(AuthenticationError):
            Client(demo.local_url, verbose=False).predict(message=MESSAGE, api_name="/chat")
        reply, *_ = Client(demo.local_url, auth=("mara", "lamp"), verbose=False).predict(message=MESSAGE, api_name="/chat")
        assert reply and "\n" not in reply
    finally:
        demo.close()
