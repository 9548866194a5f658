"""Run a slow per-item function (an LLM call) on many items at once, in order, resumably.

    with Journal(path, settings) as journal:
        for result in run_concurrent(passages, paraphrase, concurrency=4, journal=journal,
                                     key=lambda p: p.id):
            ...   # results arrive in input order; items already in the journal are not rerun

Threads, not asyncio: the work is waiting on a server (or on the local backend's batching
thread), and plain functions are easier to read, test and reuse than coroutines.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from characterkit.llm.journal import Journal

LOOKAHEAD = 4  # items submitted ahead per worker, so one slow item does not idle the others


def run_concurrent(items: Iterable, fn: Callable[[object], dict], concurrency: int = 4,
                   journal: Journal | None = None, key: Callable[[object], str] = str,
                   on_done: Callable[[dict, bool], None] | None = None) -> Iterator[dict]:
    """Yield `fn(item)` for every item, in input order, with up to `concurrency` calls running.

    fn: returns a JSON-serialisable dict (it goes into the journal as is).
    journal: items whose `key(item)` is already in it are not run; their recorded result is
        yielded in their place. Every new result is appended (and fsynced) the moment it finishes,
        in finishing order, so an interrupted run loses at most the calls in flight.
    on_done(result, resumed): called once per item as it finishes (from worker threads, one at a
        time), for progress bars; resumed is True for results taken from the journal.
    If `fn` raises, no new calls start, the ones in flight finish (and are journaled), and the
    exception propagates to the caller.
    """
    done = dict(journal.done) if journal is not None else {}  # what earlier runs finished
    lock = threading.Lock()

    def finish(item_id: str, result: dict, resumed: bool) -> dict:
        with lock:
            if journal is not None and not resumed:
                journal.append(item_id, result)
            if on_done is not None:
                on_done(result, resumed)
        return result

    def work(item) -> dict:
        return finish(key(item), fn(item), resumed=False)

    window: deque[Future | dict] = deque()
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="characterkit-llm")
    try:
        for item in items:
            item_id = key(item)
            if item_id in done:
                window.append(finish(item_id, done[item_id], resumed=True))
            else:
                window.append(pool.submit(work, item))
            while len(window) > concurrency * LOOKAHEAD:
                yield _take(window.popleft())
        while window:
            yield _take(window.popleft())
    finally:
        # Normal end: nothing is pending. Error, Ctrl-C or an abandoned generator: drop what has
        # not started and wait for the calls in flight, which journal themselves as they finish.
        pool.shutdown(wait=True, cancel_futures=True)


def _take(slot: Future | dict) -> dict:
    return slot.result() if isinstance(slot, Future) else slot
