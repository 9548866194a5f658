"""The chat engine: history -> prompt -> a streamed reply that ends where the character's turn ends.

    engine = ChatEngine(model, tokenizer, Character("Mara", persona="..."), prompt_format="pygmalion")
    for text in engine.stream(history, "Hello"):   # the reply so far, stop text trimmed
        print(text)
    engine.last_stats                               # tokens, timings, which stop ended it

The prompt comes from `characterkit.prompts` (the same code finetune trained on). The stop strings
(the newline, `\\nOtherName:`, `\\nYou:`) are checked after every generated token, so the model never
gets to write a turn for the user. No UI here: the Gradio app and the terminal are loops around
`stream`. torch and transformers are imported inside the functions that generate.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass

from characterkit.chat.repeats import REPEAT, repeat_start
from characterkit.errors import UserError, check_at_most
from characterkit.memory.blocks import BlockedPrompt, tokenize_blocked
from characterkit.memory.retrieve import recall_query
from characterkit.memory.summary import ChatMemory
from characterkit.prompts import Conversation, get_format, tokenize_prompt
from characterkit.records import Turn

DEFAULT_MAX_MESSAGE_CHARS = 4000
DEFAULT_CONTEXT = 2048  # when neither the model config nor the tokenizer says
SUMMARY_TOKENS = 96  # the longest summary the model may write


@dataclass
class GenerationSettings:
    """Sampling controls; checked on creation. temperature 0 means greedy; seed -1 a fresh seed per reply."""

    temperature: float = 0.7
    top_p: float = 0.9
    max_new_tokens: int = 200
    repetition_penalty: float = 1.1
    seed: int = -1

    def __post_init__(self):
        try:  # the web page sends what the user typed: "1e400", "nan", 2**70
            self.max_new_tokens, self.seed = int(self.max_new_tokens), int(self.seed)
            self.temperature, self.top_p = float(self.temperature), float(self.top_p)
            self.repetition_penalty = float(self.repetition_penalty)
        except (TypeError, ValueError, OverflowError):
            raise UserError("temperature, top-p, repetition penalty, max new tokens and seed must be numbers") from None
        check_at_most(2**63 - 1, seed=self.seed)
        check_at_most(1_000_000, max_new_tokens=self.max_new_tokens)
        if not 0 <= self.temperature <= 5:
            raise UserError(f"temperature must be between 0 and 5, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise UserError(f"top-p must be in (0, 1], got {self.top_p}")
        if self.max_new_tokens < 1:
            raise UserError(f"max new tokens must be at least 1, got {self.max_new_tokens}")
        if not 0 < self.repetition_penalty <= 5:
            raise UserError(f"repetition penalty must be in (0, 5], got {self.repetition_penalty}")
        if self.seed < -1:
            raise UserError(f"seed must be -1 (random) or a number >= 0, got {self.seed}")


@dataclass
class Character:
    """Who the model speaks as, and how the conversation opens. user_name: what the person is called."""

    name: str
    persona: str = ""
    greeting: str = ""
    user_name: str = "You"


@dataclass
class ReplyStats:
    """What happened in one reply. tokens_after_stop counts tokens generated after the stop text had
    appeared (measured by re-decoding, independent of the stopping code): 0 when stops work."""

    prompt_tokens: int
    dropped_turns: int
    seed: int | None
    new_tokens: int = 0
    seconds_to_first_token: float | None = None
    seconds: float = 0.0
    stopped_by: str | None = None  # the stop string that ended the turn; None: max tokens or end-of-text
    tokens_after_stop: int = 0
    memories: int = 0  # source lines retrieved into the prompt
    memory_seconds: float = 0.0  # time spent retrieving them (part of seconds_to_first_token)
    summarised_turns: int = 0  # turns folded into the summary for this reply


def visible_text(text: str, stops: list[str], final: bool = False) -> tuple[str, str | None]:
    """What to show of generated `text`, and the stop string found in it (or None).

    The text is cut at the earliest stop string, or where it starts repeating one of its sentences
    (`repeats.py`; the stop found is then REPEAT). While generation is still running (`final` False)
    a tail that could be the start of a stop string ("\\nTob" before "\\nTobias:") and an incomplete
    multi-byte character are held back, so nothing shown ever has to be taken back.
    """
    cut, hit = len(text), None
    for stop in stops:
        at = text.find(stop)
        if at != -1 and at < cut:
            cut, hit = at, stop
    shown = text[:cut]
    at, repeated = repeat_start(shown, final=final or hit is not None)
    if at != -1:
        shown, hit = shown[:at], REPEAT if repeated else hit
    if hit is None and not final:
        shown = shown[: len(shown) - _partial_stop_len(shown, stops)].rstrip("\ufffd")
    return shown.strip(), hit


def _partial_stop_len(text: str, stops: list[str]) -> int:
    """Length of the longest tail of `text` that is a proper prefix of some stop string."""
    best = 0
    for stop in stops:
        for k in range(min(len(stop) - 1, len(text)), best, -1):
            if text.endswith(stop[:k]):
                best = k
                break
    return best


class StopOnText:
    """A generate() stopping criterion: true as soon as the reply so far contains a stop string, or
    has begun a sentence it already said (`repeats.py`).

    Called by transformers after every new token (so the token that completes a stop is the last
    one generated); also stops when `cancel` is set (the user pressed stop or closed the stream).
    Since every token is checked, a new stop can only end in the newest token: decoding the last
    few tokens is enough (a character is at most 4 byte-level tokens; 2 more for the alignment).
    A repeat needs the whole reply, decoded only when the newest token holds a space (a repeat is
    found once the space after a sentence has come).
    """

    def __init__(self, tokenizer, prompt_len: int, stops: list[str], cancel: threading.Event):
        self.tokenizer, self.prompt_len, self.stops, self.cancel = tokenizer, prompt_len, stops, cancel
        self.window = 4 * max((len(s) for s in stops), default=0) + 2

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        start = max(self.prompt_len, input_ids.shape[1] - self.window)
        done = [self.cancel.is_set() or _has_stop(_decode(self.tokenizer, row[start:].tolist()), self.stops)
                or self._repeats(row) for row in input_ids]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)

    def _repeats(self, row) -> bool:
        if not any(c.isspace() for c in _decode(self.tokenizer, row[-1:].tolist())):
            return False
        return repeat_start(_decode(self.tokenizer, row[self.prompt_len:].tolist()))[1]


def _has_stop(text: str, stops: list[str]) -> bool:
    return any(stop in text for stop in stops)


class TokenQueue:
    """A generate() streamer that hands the new token ids to another thread (the prompt is skipped)."""

    def __init__(self):
        self.queue: queue.Queue = queue.Queue()
        self._prompt_seen = False

    def put(self, value):
        if not self._prompt_seen:  # generate() first puts the prompt ids
            self._prompt_seen = True
            return
        self.queue.put(value.reshape(-1).tolist())

    def end(self):
        self.queue.put(None)

    def __iter__(self) -> Iterator[list[int]]:
        while (ids := self.queue.get()) is not None:
            yield ids


def context_length(model, tokenizer) -> int:
    """The most tokens the model attends to: from its config, else the tokenizer, else a default."""
    config = model.config
    for key in ("max_position_embeddings", "n_positions", "n_ctx", "seq_length", "max_sequence_length"):
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    limit = getattr(tokenizer, "model_max_length", None)
    return limit if isinstance(limit, int) and 0 < limit < 1_000_000 else DEFAULT_CONTEXT


class ChatEngine:
    """A loaded model (a peft model when there is an adapter) that chats as one character.

    history: Turns, oldest first; the character's lines have speaker `character.name`, the person's
    `character.user_name`. One reply is generated at a time (a lock), so a Gradio server can share
    one engine between tabs. context: the model's context in tokens (read from the model if None).
    """

    def __init__(self, model, tokenizer, character: Character, prompt_format: str = "pygmalion",
                 stop_strings: tuple[str, ...] | list[str] = (), context: int | None = None,
                 max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS, memory=None, remembers: bool = True,
                 recalls: bool = False, memory_blocks: bool = False):
        self.model = model
        self.memory = memory  # a characterkit.memory.MemoryIndex of the character's source lines, or None
        # A LoRA trained with memory blocks (memory/blocks.py) reads each recalled line on its own: its
        # keys and values are kept between replies (chat/line_cache.py), so recall costs no prefill.
        self.line_cache = None
        if memory_blocks and memory is not None:
            from characterkit.chat.line_cache import LineCache

            self.line_cache = LineCache(model)
        self.remembers = remembers  # False (--no-memory): the UIs drop old turns instead of summarising them
        # Whether the UIs start with recall on: a LoRA trained with recalled lines (finetune --memory)
        # expects them; one trained without rambles with them, so for it recall is a switch left off.
        self.recalls = recalls and memory is not None
        self.tokenizer = tokenizer
        self.character = character
        self.format = get_format(prompt_format, tokenizer)
        # End-of-text tokens are stops too: replies are decoded with special tokens kept, so they show.
        self.extra_stops = [s for s in [*stop_strings, *_eos_texts(model, tokenizer)] if s]
        self.context = context or context_length(model, tokenizer)
        self.max_message_chars = max_message_chars
        self.has_adapter = hasattr(model, "disable_adapter")  # a peft model
        self.last_stats: ReplyStats | None = None
        self._lock = threading.Lock()
        self._memory_seconds, self._summarised = 0.0, 0

    def check_message(self, message: str) -> None:
        if not isinstance(message, str) or not message.strip():  # an API client may send none at all
            raise UserError("the message is empty")
        if len(message) > self.max_message_chars:
            raise UserError(f"the message is {len(message)} characters long; the limit is {self.max_message_chars}")

    def stop_strings(self, conv: Conversation) -> list[str]:
        """The format's stops (pygmalion: the newline and `\\nName:` for every other speaker; a chat
        template: its end-of-turn text), the run card's own, and always `\\nYou:` (the user's name):
        whatever the format, the model must never write a turn for the person chatting."""
        return sorted(set(self.format.stop_strings(conv)) | set(self.extra_stops) | {f"\n{conv.user_name}:"})

    def prompt_ids(self, prompt: str) -> list[int]:
        """The prompt's token ids, tokenized the way finetune tokenized its prompts."""
        return tokenize_prompt(self.tokenizer, prompt)

    def blocked_prompt(self, prompt: str, conv: Conversation | None, use_adapter: bool = True) -> BlockedPrompt:
        """The prompt's ids, and the spans of its recalled lines when they are read as memory blocks
        (a LoRA trained with them, adapter on); otherwise no spans, the ids as `prompt_ids`."""
        if self.line_cache is not None and use_adapter and conv is not None and conv.memories:
            return tokenize_blocked(self.tokenizer, prompt, conv)
        return BlockedPrompt(self.prompt_ids(prompt), [])

    def remember_lines(self, progress=None, stop: threading.Event | None = None) -> int:
        """Compute the kept keys and values of every line in memory now (the chat UIs call this while
        the person types), so that no reply waits for them; returns the lines computed.
        progress: wraps the list of chunks (a tqdm), or None. stop: when set, return after the chunk at hand."""
        import torch

        if self.line_cache is None:
            return 0
        renders = [entry.render() for entry in self.memory.entries]
        chunks = [renders[i:i + 16] for i in range(0, len(renders), 16)]
        before = self.line_cache.computed
        for chunk in progress(chunks) if progress else chunks:
            if stop is not None and stop.is_set():
                break
            conv = Conversation(character=self.character.name, persona=self.character.persona, memories=chunk,
                                user_name=self.character.user_name, turns=[Turn(self.character.user_name, "...")])
            prompt = self.format.render(conv, tokenizer=self.tokenizer)[0]
            with self._lock, torch.inference_mode():  # a chunk at a time: a reply asked for meanwhile waits for one
                self.line_cache.add(tokenize_blocked(self.tokenizer, prompt, conv))
        return self.line_cache.computed - before

    def recall(self, history: list[Turn], message: str) -> list[str]:
        """The character's own source lines most related to the message and the last turn, rendered
        (MemoryIndex.recall: the lines and token budget finetune trained with)."""
        started = time.perf_counter()
        turns = [*history, Turn(self.character.user_name, message)]
        count_tokens = lambda text: len(self.tokenizer(text, add_special_tokens=False)["input_ids"])  # noqa: E731
        recalled = self.memory.recall(recall_query(turns), count_tokens, leave_out=[t.text for t in turns])
        self._memory_seconds = time.perf_counter() - started
        return recalled

    def build_prompt(self, history: list[Turn], message: str, max_new_tokens: int,
                     memory: ChatMemory | None = None) -> tuple[str, Conversation, int]:
        """The prompt that answers `message` after `history`, its Conversation, and how many of the
        oldest turns are left out so that prompt + `max_new_tokens` fits the context (persona stays).

        memory: the conversation's memory state. With it, left-out turns are folded into its summary
        (the summary is updated in place) and source lines are recalled when `memory.long_term`;
        without it, nothing is recalled and old turns are dropped.
        """
        self.check_message(message)
        budget = self.context - max_new_tokens
        if budget < 1:
            raise UserError(f"max new tokens ({max_new_tokens}) must be below the model's context ({self.context})")
        c = self.character
        turns = [*history, Turn(c.user_name, message)]
        if memory is not None:
            memory.fit(len(history))
        # Recall is asked for (ChatMemory.long_term; the UIs start it at self.recalls).
        long_term = self.memory is not None and memory is not None and memory.long_term
        recalled = self.recall(history, message) if long_term else []
        if not long_term:
            self._memory_seconds = 0.0
        self._summarised = 0
        for _ in range(3):  # a longer summary can push out another turn: fold again, at most twice more
            covered = memory.covered if memory else 0
            summary = memory.summary if memory else ""

            def render(dropped: int) -> tuple[str, Conversation]:
                conv = Conversation(character=c.name, turns=turns[covered + dropped:], persona=c.persona,
                                    user_name=c.user_name, memories=recalled, summary=summary)
                return self.format.render(conv, tokenizer=self.tokenizer)[0], conv

            dropped = self._fewest_dropped(render, len(history) - covered, budget)
            if memory is None or dropped == 0:
                break
            folded = turns[covered:covered + dropped]
            memory.summary = self._fit_summary(self.summarise(memory.summary, folded))
            memory.covered += dropped
            self._summarised += dropped
        return (*render(dropped), covered + dropped)

    def _fewest_dropped(self, render, most: int, budget: int) -> int:
        """The fewest oldest turns to leave out for the prompt to fit `budget` tokens (binary search:
        fewer turns never make the prompt longer)."""
        if len(self.blocked_prompt(*render(most)).ids) > budget:
            raise UserError(f"the message does not fit the model's context ({self.context} tokens) together with "
                            f"the persona, memories and the new tokens; shorten it or lower max new tokens")
        low, high = 0, most
        while low < high:
            mid = (low + high) // 2
            if len(self.blocked_prompt(*render(mid)).ids) <= budget:
                high = mid
            else:
                low = mid + 1
        return low

    def _fit_summary(self, summary: str) -> str:
        """The summary cut from the front (the oldest part) to at most a quarter of the context."""
        words = summary.split()
        while words and len(self.prompt_ids(" ".join(words))) > self.context // 4:
            words = words[max(1, len(words) // 8):]
        return " ".join(words)

    def summarise(self, previous: str, turns: list[Turn]) -> str:
        """A short summary of `previous` + `turns`, written by the model with the adapter off (greedy),
        or an extractive one when the model writes nothing usable."""
        from characterkit.memory.summary import clip, extractive_summary, summary_prompt, usable

        prompt = summary_prompt(self.tokenizer, previous, turns)
        if len(self.prompt_ids(prompt)) > self.context - SUMMARY_TOKENS:  # too much to read at once
            return extractive_summary(previous, turns)
        settings = GenerationSettings(temperature=0, max_new_tokens=SUMMARY_TOKENS)
        text = ""
        for text in self._stream_prompt(prompt, ["\n\n", *self.extra_stops], settings, False, 0, time.perf_counter()):
            pass  # summarise could use complete(), but that takes the lock build_prompt already holds
        return clip(text) if usable(text) else extractive_summary(previous, turns)

    def reply(self, history: list[Turn], message: str, settings: GenerationSettings | None = None,
              use_adapter: bool = True, memory: ChatMemory | None = None) -> str:
        """The whole reply at once (the last value of `stream`)."""
        text = ""
        for text in self.stream(history, message, settings, use_adapter, memory):
            pass
        return text

    def stream(self, history: list[Turn], message: str, settings: GenerationSettings | None = None,
               use_adapter: bool = True, memory: ChatMemory | None = None) -> Iterator[str]:
        """Yield the reply so far (stripped, stop text trimmed) as tokens arrive; the last value is the
        whole reply. use_adapter=False answers with the adapter switched off (the base model).
        memory: the conversation's memory state (see build_prompt); its summary may be updated."""
        settings = settings or GenerationSettings()
        with self._lock:  # also around tokenising: a fast tokenizer must not be used from two threads at once
            start = time.perf_counter()  # time to first token includes recall and summarising
            prompt, conv, dropped = self.build_prompt(history, message, settings.max_new_tokens, memory)
            memory_seconds, summarised = self._memory_seconds, self._summarised
            yield from self._stream_prompt(prompt, self.stop_strings(conv), settings, use_adapter, dropped, start, conv)
            self.last_stats.memories = len(conv.memories)
            self.last_stats.memory_seconds, self.last_stats.summarised_turns = memory_seconds, summarised

    def complete(self, prompt: str, stops: list[str], settings: GenerationSettings | None = None,
                 use_adapter: bool = True, conv: Conversation | None = None) -> str:
        """The whole completion of an already rendered `prompt`, cut at the first of `stops` or an
        end-of-text token (`eval` generates for held-out contexts and asks questions this way).
        conv: what `prompt` was rendered from, when it has recalled lines (read as memory blocks)."""
        text = ""
        with self._lock:
            for text in self._stream_prompt(prompt, [*stops, *self.extra_stops], settings or GenerationSettings(),
                                            use_adapter, dropped=0, start=time.perf_counter(), conv=conv):
                pass
        return text

    def _stream_prompt(self, prompt: str, stops: list[str], settings: GenerationSettings, use_adapter: bool,
                       dropped: int, start: float, conv: Conversation | None = None) -> Iterator[str]:
        import torch

        blocked = self.blocked_prompt(prompt, conv, use_adapter)
        input_ids = torch.tensor([blocked.ids], device=self.model.device)
        inputs = {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids)}
        if blocked.windows:  # the persona and the recalled lines come from the cache, computed once
            with torch.inference_mode():
                inputs["past_key_values"] = self.line_cache.past(blocked)
        prompt_len = input_ids.shape[1]
        seed = settings.seed if settings.seed >= 0 else random.randrange(2**31)
        stats = ReplyStats(prompt_tokens=prompt_len, dropped_turns=dropped,
                           seed=seed if settings.temperature > 0 else None)
        cancel, streamer, errors = threading.Event(), TokenQueue(), []
        kwargs = self._generate_kwargs(inputs, settings, streamer, StopOnText(self.tokenizer, prompt_len, stops, cancel))
        worker = threading.Thread(target=self._generate, args=(kwargs, seed, use_adapter, streamer, errors), daemon=True)
        worker.start()
        new_ids, shown = [], None
        try:
            for ids in streamer:
                if stats.seconds_to_first_token is None:
                    stats.seconds_to_first_token = time.perf_counter() - start
                new_ids += ids
                text, _ = visible_text(_decode(self.tokenizer, new_ids), stops)
                if text != shown:
                    shown = text
                    yield text
        finally:  # also when the caller stops reading: end the generation instead of leaving it running
            cancel.set()
            worker.join()
        if errors:
            raise errors[0]
        final, stats.stopped_by = visible_text(_decode(self.tokenizer, new_ids), stops, final=True)
        stats.new_tokens, stats.seconds = len(new_ids), time.perf_counter() - start
        stats.tokens_after_stop = _tokens_after_stop(self.tokenizer, new_ids, stops)
        self.last_stats = stats
        if final != shown:
            yield final

    def _generate_kwargs(self, inputs, settings: GenerationSettings, streamer, stopper) -> dict:
        tok = self.tokenizer
        kwargs = dict(**inputs, max_new_tokens=settings.max_new_tokens, streamer=streamer, stopping_criteria=[stopper],
                      repetition_penalty=settings.repetition_penalty,
                      pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id)
        if settings.temperature > 0:
            kwargs.update(do_sample=True, temperature=settings.temperature, top_p=settings.top_p)
        else:  # greedy; clear sampling values a model's generation_config may carry
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        return kwargs

    def _generate(self, kwargs: dict, seed: int, use_adapter: bool, streamer: TokenQueue, errors: list) -> None:
        """Runs in a worker thread; errors are handed back to the reading thread."""
        import torch

        adapter_off = self.model.disable_adapter() if self.has_adapter and not use_adapter else nullcontext()
        try:
            torch.manual_seed(seed)
            with torch.inference_mode(), adapter_off:
                self.model.generate(**kwargs)
        except BaseException as e:  # noqa: BLE001 - re-raised in the reading thread
            errors.append(e)
        finally:
            streamer.end()


def _decode(tokenizer, ids) -> str:
    # Special tokens are kept so that an end-of-turn token such as <|im_end|> can be found as a stop.
    return tokenizer.decode(ids, skip_special_tokens=False)


def _eos_texts(model, tokenizer) -> list[str]:
    """The text of every token that ends generation (the tokenizer's EOS, the generation config's)."""
    ids = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids = [ids] if isinstance(ids, int) else list(ids or [])
    return [tokenizer.eos_token or "", *(tokenizer.decode([i]) for i in ids)]


def _tokens_after_stop(tokenizer, ids: list[int], stops: list[str]) -> int:
    """How many of `ids` came after the first prefix whose text holds a stop string (0 if none does)."""
    for k in range(1, len(ids) + 1):
        if _has_stop(_decode(tokenizer, ids[:k]), stops):
            return len(ids) - k
    return 0
