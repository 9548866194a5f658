"""The kept keys and values of recalled lines: the same next token as reading the whole prompt with the
block mask, each line computed once, a bounded size."""

from characterkit.chat.line_cache import LineCache
from characterkit.memory import ChatMemory, MemoryEntry, MemoryIndex
from characterkit.memory.blocks import block_mask, block_positions, tokenize_blocked
from characterkit.prompts import Conversation
from characterkit.records import Turn

ENTRIES = [
    MemoryEntry("Mara", "The lighthouse keeper drowned in the winter storm.", "Tobias: What happened to the keeper?"),
    MemoryEntry("Mara", "I planted the apple orchard behind the mill myself.", "Tobias: Who planted those trees?"),
    MemoryEntry("Mara", "Rope, lanterns and a spare sail.", ""),
]


def _blocked(engine, memories, persona="Mara keeps the light.", message="Who planted the orchard and the mill?"):
    conv = Conversation(character="Mara", persona=persona, memories=memories, turns=[Turn("You", message)])
    return tokenize_blocked(engine.tokenizer, engine.format.render(conv)[0], conv)


def test_the_kept_lines_give_the_logits_of_the_whole_prompt_read_with_the_block_mask(engine):
    import torch

    lines = [e.render() for e in ENTRIES]
    blocked = _blocked(engine, lines)
    cache = LineCache(engine.model)
    with torch.inference_mode():
        cache.add(_blocked(engine, lines[::-1][:2]))  # computed in another order, two then one
        past = cache.past(blocked)
        end = blocked.windows[-1][1]
        kept = engine.model(input_ids=torch.tensor([blocked.ids[end:]]), past_key_values=past).logits[0, -1]
        n = len(blocked.ids)
        whole = engine.model(input_ids=torch.tensor([blocked.ids]), attention_mask=block_mask(n, blocked.windows)[None, None],
                             position_ids=torch.tensor([block_positions(n, blocked.windows)])).logits[0, -1]
        plain = engine.model(input_ids=torch.tensor([blocked.ids])).logits[0, -1]
    assert (cache.computed, cache.reused) == (3, 2)
    error, masked_out = (kept - whole).abs().max().item(), (plain - whole).abs().max().item()
    assert error < 0.05  # measured 0.016: bf16 rounding of logits near 2 (chat runs in bf16 on this CPU)
    assert masked_out > 0.5  # measured 1.6: the mask matters, lines do not see each other


def test_a_chat_computes_each_line_once_and_replies_from_the_kept_ones(engine):
    from characterkit.chat.engine import ChatEngine, GenerationSettings

    chat = ChatEngine(engine.model, engine.tokenizer, engine.character, memory=MemoryIndex(ENTRIES), memory_blocks=True)
    assert chat.remember_lines() == 3 and len(chat.line_cache) == 3
    greedy = GenerationSettings(temperature=0, max_new_tokens=8)
    chat.reply([], "Who planted the orchard behind the mill?", greedy, memory=ChatMemory(long_term=True))
    assert chat.last_stats.memories > 0
    assert chat.line_cache.computed == 3 and chat.line_cache.reused == chat.last_stats.memories
    reused = chat.line_cache.reused
    chat.reply([], "Who planted the orchard behind the mill?", greedy, use_adapter=False, memory=ChatMemory(long_term=True))
    assert chat.line_cache.reused == reused  # the base model was never trained with blocks: it reads the plain prompt


def test_remembering_stops_when_asked(engine):
    import threading

    from characterkit.chat.engine import ChatEngine

    chat = ChatEngine(engine.model, engine.tokenizer, engine.character, memory=MemoryIndex(ENTRIES), memory_blocks=True)
    stop = threading.Event()
    stop.set()
    assert chat.remember_lines(stop=stop) == 0 and len(chat.line_cache) == 0
    assert ChatEngine(engine.model, engine.tokenizer, engine.character).remember_lines() == 0  # no memory: nothing


def test_the_cache_stays_within_its_size_and_a_new_persona_empties_it(engine):
    import torch

    lines = [e.render() for e in ENTRIES]
    cache = LineCache(engine.model, max_bytes=1)
    with torch.inference_mode():
        cache.add(_blocked(engine, lines[:2]))
        assert len(cache) == 2  # never below what the prompt at hand needs
        cache.add(_blocked(engine, lines[2:]))
        assert len(cache) == 1
        cache.max_bytes = 10**9
        cache.add(_blocked(engine, lines[:2]))
        cache.add(_blocked(engine, lines[:1], persona="Mara sails at dawn."))
    assert len(cache) == 1 and cache.computed == 6
