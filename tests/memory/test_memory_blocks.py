"""Memory blocks: the recalled lines' token spans, their shared positions and the mask that keeps them apart."""

import pytest

from characterkit.memory.blocks import BLOCKS, block_mask, block_positions, tokenize_blocked, trained_with_blocks
from characterkit.prompts import Conversation, get_format, memory_windows
from characterkit.records import Turn

LINES = ['Tobias: Who planted those trees? -> "I planted the orchard myself."', '"Rope, lanterns and a spare sail."']


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from transformers import AutoTokenizer

    from characterkit.train.tiny import make_tiny_model

    return AutoTokenizer.from_pretrained(make_tiny_model(tmp_path_factory.mktemp("m") / "tiny", arch="llama"))


def _conv(memories):
    return Conversation(character="Mara", persona="Mara keeps the light.", memories=memories,
                        turns=[Turn("Tobias", "Who planted the orchard?")])


def test_each_line_is_its_own_span_and_the_ids_are_the_whole_prompts(tokenizer):
    conv = _conv(LINES)
    prompt = get_format("pygmalion").render(conv)[0]
    blocked = tokenize_blocked(tokenizer, prompt, conv)
    assert blocked.ids == tokenizer(prompt)["input_ids"]  # on this prompt, piecewise = whole
    assert [tokenizer.decode(blocked.ids[s:e]) for s, e in blocked.windows] == memory_windows(conv)
    assert tokenizer.decode(blocked.ids[:blocked.prefix_len]).endswith("Things Mara has said before:")
    swapped = _conv(LINES[::-1])
    other = tokenize_blocked(tokenizer, get_format("pygmalion").render(swapped)[0], swapped)
    line = lambda b, i: b.ids[b.windows[i][0]:b.windows[i][1]]  # noqa: E731
    assert line(blocked, 0) == line(other, 1)  # a line's ids do not depend on where it stands


def test_a_prompt_without_lines_has_no_spans(tokenizer):
    conv = _conv([])
    prompt = get_format("pygmalion").render(conv)[0]
    blocked = tokenize_blocked(tokenizer, prompt, conv)
    assert blocked.windows == [] and blocked.prefix_len == len(blocked.ids) == len(tokenizer(prompt)["input_ids"])


def test_a_block_the_template_rewrote_is_read_as_plain_text(tokenizer):
    conv = _conv(LINES)
    prompt = get_format("pygmalion").render(conv)[0].replace("\n- ", "\n* ")
    blocked = tokenize_blocked(tokenizer, prompt, conv)
    assert blocked.windows == [] and blocked.ids == tokenizer(prompt)["input_ids"]


def test_lines_share_positions_and_the_rest_keeps_its_index():
    assert block_positions(10, [(2, 5), (5, 7)]) == [0, 1, 2, 3, 4, 2, 3, 7, 8, 9]


def test_a_line_sees_the_prefix_and_itself_and_the_suffix_sees_everything():
    mask = block_mask(8, [(2, 4), (4, 6)])
    assert mask[3].tolist() == [True, True, True, True, False, False, False, False]
    assert mask[5].tolist() == [True, True, False, False, True, True, False, False]  # not the other line
    assert mask[7].tolist() == [True] * 8
    padded = block_mask(8, [(2, 4), (4, 6)], real=6)
    assert not padded[:, 6:].any() and padded.any(dim=1).all()  # padding is never read; no row is empty
    tail = block_mask(2, [(2, 4), (4, 6)], past=6)  # two more tokens after six in a cache
    assert tail.tolist() == block_mask(8, [(2, 4), (4, 6)])[6:].tolist()


def test_the_run_card_says_whether_chat_may_keep_the_lines():
    assert trained_with_blocks({"dataset": {"memory": {"attention": BLOCKS}}})
    assert not trained_with_blocks({"dataset": {"memory": {"lines": 3}}})  # a LoRA from before blocks
    assert not trained_with_blocks({"dataset": {"memory": None}}) and not trained_with_blocks({})
