"""The chat engine without a UI: stops, streaming, history trimming, settings, the adapter switch."""

import pytest

from characterkit.errors import UserError
from characterkit.records import Turn

MESSAGES = ["Afternoon, Mara. The sea was kind to me today.", "Do you ever get lonely out here?",
            "Where do you want the oil?", "Is the lamp working after the storm?"]
NAMES = ("Mara", "Tobias", "You")


def _settings(**kw):
    from characterkit.chat.engine import GenerationSettings

    return GenerationSettings(**{"max_new_tokens": 60, **kw})


def _greeting(engine):
    return [Turn(engine.character.name, engine.character.greeting)]


def test_the_model_really_writes_past_its_turn_without_stops(engine):
    """The premise of the stop tests: left alone, the tiny model goes on into the next line."""
    import torch

    prompt, _, _ = engine.build_prompt(_greeting(engine), MESSAGES[0], 60)
    ids = torch.tensor([engine.prompt_ids(prompt)])
    with torch.no_grad(), engine.model.disable_adapter():
        out = engine.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=60,
                                    do_sample=False, eos_token_id=None)
    assert "\n" in engine.tokenizer.decode(out[0, ids.shape[1]:]).strip()


def test_replies_stop_at_the_end_of_the_turn(engine):
    stopped = 0
    for message in MESSAGES:
        for use_adapter in (True, False):
            for settings in (_settings(temperature=0), _settings(temperature=0.9, seed=7)):
                reply = engine.reply(_greeting(engine), message, settings, use_adapter=use_adapter)
                stats = engine.last_stats
                assert "\n" not in reply
                assert not any(reply.startswith(f"{name}:") for name in NAMES)
                assert reply == reply.strip()
                assert stats.tokens_after_stop == 0
                assert stats.new_tokens <= settings.max_new_tokens
                stopped += stats.stopped_by is not None
    assert stopped >= 12  # of 16: the newline (not the token limit) ends most replies


def test_a_multi_token_stop_string_is_caught_on_the_token_that_completes_it(engine):
    from characterkit.chat.engine import ChatEngine

    stopper = ChatEngine(engine.model, engine.tokenizer, engine.character, stop_strings=["the "])
    hits = 0
    for message in MESSAGES:
        reply = stopper.reply(_greeting(engine), message, _settings(temperature=0), use_adapter=False)
        assert "the " not in reply and "\n" not in reply
        assert stopper.last_stats.tokens_after_stop == 0
        hits += stopper.last_stats.stopped_by == "the "
    assert hits >= 1


def test_stream_grows_piece_by_piece_and_ends_with_the_reply(engine):
    pieces = list(engine.stream(_greeting(engine), MESSAGES[1], _settings(temperature=0)))
    assert len(pieces) > 1
    for before, after in zip(pieces, pieces[1:]):
        assert after.startswith(before) and after != before
    assert pieces[-1] == engine.reply(_greeting(engine), MESSAGES[1], _settings(temperature=0))
    assert engine.last_stats.seconds_to_first_token is not None


def test_closing_a_stream_early_ends_generation_and_frees_the_engine(engine):
    stream = engine.stream(_greeting(engine), MESSAGES[2], _settings(temperature=0.9, max_new_tokens=200))
    next(stream)
    stream.close()
    assert engine._lock.acquire(timeout=5)
    engine._lock.release()
    assert engine.reply(_greeting(engine), MESSAGES[2], _settings(temperature=0)) != ""


def test_oldest_turns_drop_out_and_the_persona_stays(engine):
    from characterkit.chat.engine import ChatEngine

    small = ChatEngine(engine.model, engine.tokenizer, engine.character, context=160)
    history = [Turn("You" if i % 2 else "Mara", f"turn{i:02d} is here") for i in range(40)]
    prompt, conv, dropped = small.build_prompt(history, "newest message", max_new_tokens=40)
    assert prompt.startswith(f"Mara's Persona: {engine.character.persona}")
    assert 0 < dropped < len(history)
    assert "turn00" not in prompt and "turn39" in prompt and "newest message" in prompt
    assert f"turn{dropped:02d}" in prompt and f"turn{dropped - 1:02d}" not in prompt
    assert len(small.prompt_ids(prompt)) <= 160 - 40
    # and it dropped no more than it had to: one more turn would not fit
    bigger, _, _ = small.build_prompt(history[dropped - 1:], "newest message", max_new_tokens=40)
    assert len(small.prompt_ids(bigger)) > 160 - 40 or bigger == prompt


def test_history_that_fits_is_kept_whole(engine):
    history = _greeting(engine) + [Turn("You", "Hello."), Turn("Mara", "Hello yourself.")]
    prompt, _, dropped = engine.build_prompt(history, "How are you?", max_new_tokens=40)
    assert dropped == 0
    assert prompt.endswith("You: Hello.\nMara: Hello yourself.\nYou: How are you?\nMara:")


def test_messages_that_cannot_be_sent(engine):
    from characterkit.chat.engine import ChatEngine

    capped = ChatEngine(engine.model, engine.tokenizer, engine.character, max_message_chars=20, context=80)
    with pytest.raises(UserError, match="limit is 20"):
        capped.reply([], "x" * 21)
    with pytest.raises(UserError, match="empty"):
        capped.reply([], "   ")
    with pytest.raises(UserError, match="does not fit"):
        capped.reply([], "word " * 4, _settings(max_new_tokens=70))
    with pytest.raises(UserError, match="must be below"):
        capped.reply([], "hi", _settings(max_new_tokens=80))


def test_a_seed_makes_a_sampled_reply_repeatable(engine):
    replies = [engine.reply(_greeting(engine), MESSAGES[3], _settings(temperature=1.0, seed=s)) for s in (1, 1, 2, 3)]
    assert replies[0] == replies[1]
    assert len(set(replies)) > 1
    assert engine.last_stats.seed == 3


def test_the_adapter_switch_answers_with_the_base_model(engine, sample_model):
    from transformers import AutoModelForCausalLM

    from characterkit.chat.engine import ChatEngine

    base_model = AutoModelForCausalLM.from_pretrained(sample_model, dtype=engine.model.dtype).eval()  # the chat's dtype
    base = ChatEngine(base_model, engine.tokenizer, engine.character)
    greedy = _settings(temperature=0)
    differs = 0
    for message in MESSAGES:
        without = engine.reply(_greeting(engine), message, greedy, use_adapter=False)
        assert without == base.reply(_greeting(engine), message, greedy)
        differs += without != engine.reply(_greeting(engine), message, greedy)
    assert differs >= 1
    assert not base.has_adapter and engine.has_adapter


@pytest.mark.parametrize("field,value", [("temperature", -0.1), ("top_p", 0), ("max_new_tokens", 0),
                                         ("repetition_penalty", 0), ("seed", -2)])
def test_bad_settings_are_refused(field, value):
    with pytest.raises(UserError):
        _settings(**{field: value})


CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def test_a_chat_template_lora_gets_its_template_prompt_and_end_of_turn_stop(engine):
    import copy

    from characterkit.chat.engine import ChatEngine

    tokenizer = copy.deepcopy(engine.tokenizer)
    tokenizer.chat_template = CHATML
    chatml = ChatEngine(engine.model, tokenizer, engine.character, prompt_format="chat-template")
    prompt, conv, _ = chatml.build_prompt(_greeting(engine), "Hello there.", 40)
    assert prompt.startswith(f"<|im_start|>system\n{engine.character.persona}<|im_end|>")
    assert prompt.endswith("<|im_start|>user\nYou: Hello there.<|im_end|>\n<|im_start|>assistant\n")
    stops = chatml.stop_strings(conv)
    assert "<|im_end|>" in stops and "\nYou:" in stops
    reply = chatml.reply(_greeting(engine), "Hello there.", _settings(temperature=0))
    assert not any(stop in reply for stop in stops)
    assert chatml.last_stats.tokens_after_stop == 0
