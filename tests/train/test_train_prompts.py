"""Prompt formats as training uses them: the chat-template format for instruct models, and `auto`."""

import pytest

from characterkit.errors import UserError
from characterkit.prompts import (ChatTemplateFormat, Conversation, PygmalionFormat, choose_format, get_format,
                                  tokenize_prompt)
from characterkit.records import Turn
from characterkit.train.encode import IGNORE, ConversationEncoder

CHATML = ("{{ bos_token }}{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
          "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")

CONV = Conversation(character="Mara", persona="Keeper of the light.",
                    turns=[Turn("Tobias", "Afternoon."), Turn(None, "Gulls cry."), Turn("Mara", "Hm."),
                           Turn("Tobias", "Any letters?")],
                    reply="One, from my sister.")


@pytest.fixture
def chat_tokenizer(tiny_model):
    from characterkit.train.model import load_tokenizer

    tokenizer = load_tokenizer(tiny_model)
    tokenizer.chat_template = CHATML
    return tokenizer


def test_chat_template_renders_roles_and_masks_all_but_the_reply(chat_tokenizer):
    fmt = get_format("chat-template", chat_tokenizer)
    assert [m["role"] for m in fmt.messages(CONV)] == ["system", "user", "assistant", "user"]
    assert fmt.messages(CONV)[1]["content"] == "Tobias: Afternoon.\nGulls cry."
    prompt, target = fmt.render(CONV)
    assert prompt.startswith("<s><|im_start|>system\nKeeper of the light.<|im_end|>")
    assert prompt.endswith("<|im_start|>user\nTobias: Any letters?<|im_end|>\n<|im_start|>assistant\n")
    assert target == "One, from my sister.<|im_end|>"  # the newline after it belongs to the next turn
    assert fmt.stop_strings(CONV) == ["<|im_end|>", "</s>", "\nTobias:", "\nYou:"]  # never another's turn

    encoded = ConversationEncoder(fmt, chat_tokenizer, cutoff=256).encode(CONV)
    trained = [i for i, label in zip(encoded.input_ids, encoded.labels) if label != IGNORE]
    assert chat_tokenizer.decode(trained) == "One, from my sister.<|im_end|></s>"
    assert encoded.input_ids.count(chat_tokenizer.bos_token_id) == 1  # the template's BOS is not doubled


def test_auto_picks_the_chat_template_only_when_the_tokenizer_has_one(chat_tokenizer, tiny_model):
    from characterkit.train.model import load_tokenizer

    assert isinstance(choose_format("auto", chat_tokenizer), ChatTemplateFormat)
    assert isinstance(choose_format("auto", load_tokenizer(tiny_model)), PygmalionFormat)
    with pytest.raises(UserError, match="no chat template"):
        choose_format("chat-template", load_tokenizer(tiny_model)).render(CONV)


def test_a_template_that_is_not_prefix_stable_is_refused(chat_tokenizer):
    # This template numbers the messages from the end, so adding the reply changes the prompt.
    chat_tokenizer.chat_template = ("{% for m in messages %}[{{ loop.revindex }}]{{ m['content'] }}\n{% endfor %}"
                                    "{% if add_generation_prompt %}[reply]{% endif %}")
    with pytest.raises(UserError, match="cannot be masked"):
        get_format("chat-template", chat_tokenizer).render(CONV)


def test_tokenize_prompt_adds_bos_once(chat_tokenizer):
    bos = chat_tokenizer.bos_token_id
    assert tokenize_prompt(chat_tokenizer, "Mara:").count(bos) == 1
    assert tokenize_prompt(chat_tokenizer, "<s>Mara:").count(bos) == 1
