"""Run a slow per-item function (an LLM call) on many items at once, in order, resumably.

    with Journal(path, settings) as journal:
        for result in run_concurrent(passages, paraphrase, concurrency=4, journal=journal,
                                     key=lambda p: p.id):
            ...   # results arrive in input order; items already in the journal are not rerun

    results, stats = run_journaled(passages, paraphrase_one, llm_settings, journal_path, settings,
                                   key=lambda p: p.id, unit="passage", desc="paraphrasing")

`run_journaled` is the whole run the style and synth pipelines share: open the backend, open the
journal, run with a progress bar, time it, and turn a dead backend into a "resume" message.

Threads, not asyncio: the work is waiting on a server (or on the local backend's batching
thread), and plain functions are easier to read, test and reuse than coroutines.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from characterkit.errors import UserError
from characterkit.llm.base import Backend, LLMSettings
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


@dataclass
class RunStats:
    """What one `run_journaled` run did; results taken from the journal count in `resumed` only.

    A pipeline that wants more tallies subclasses it: `count` sees each result computed this run,
    `postfix` gives the figures the progress bar shows.
    """

    done: int = 0
    resumed: int = 0
    request_retries: int = 0  # transient failures retried by the backend, this run
    seconds: float = 0.0
    model: str = ""

    @property
    def per_second(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0

    def count(self, result: dict) -> None:
        """Tally one result computed this run (beyond `done`, which the runner counts)."""

    def postfix(self) -> dict:
        """Figures for the progress bar after each result; none by default."""
        return {}


def run_journaled(items: list, fn: Callable[[object, Backend], dict], llm: LLMSettings, journal_path: Path,
                  settings: dict, *, key: Callable[[object], str], stats: RunStats | None = None, fresh: bool = False,
                  progress: bool = True, unit: str = "item", desc: str = "") -> tuple[list[dict], RunStats]:
    """`fn(item, backend)` for every item through the backend `llm` opens, journaled in `journal_path`:
    one result per item, in item order; items finished by an earlier run are not sent again.

    settings: what the results depend on; the journal records it with the backend and the model
        actually used, and refuses to resume a run made under other values. fresh: delete the
        journal first. stats: filled in as results come (a RunStats subclass for more tallies).
    unit, desc: the progress bar's unit ("passage") and label; the unit, plural, also names the
        items in the error below.
    Raises UserError when the backend becomes unusable (server gone, ...), saying how much is saved.
    """
    from characterkit.llm import open_backend  # the registry lives in the package, which imports this module

    if fresh:
        journal_path.unlink(missing_ok=True)
    stats = stats if stats is not None else RunStats()
    with open_backend(llm) as backend:
        stats.model = backend.model
        journal_settings = {**settings, "backend": llm.backend, "model": backend.model}
        with Journal(journal_path, journal_settings) as journal:
            bar = _Progress(len(items), backend, stats, unit, desc, enabled=progress)
            started = time.perf_counter()
            try:
                results = list(run_concurrent(items, lambda item: fn(item, backend), concurrency=llm.concurrency,
                                              journal=journal, key=key, on_done=bar.update))
            except UserError as e:
                raise UserError(f"{e}. {len(journal.done)} of {len(items)} {unit}s are saved in {journal.path}; "
                                "run the same command again to resume") from None
            finally:
                stats.seconds = time.perf_counter() - started
                stats.request_retries = backend.retries
                bar.close()
    return results, stats


def token_totals(results: list[dict]) -> dict:
    """Prompt and completion tokens over results that carry `prompt_tokens` / `completion_tokens`."""
    return {"prompt": sum(r["prompt_tokens"] for r in results),
            "completion": sum(r["completion_tokens"] for r in results)}


class _Progress:
    """A tqdm bar over items (resumed ones count at once) that keeps `stats` up to date."""

    def __init__(self, total: int, backend: Backend, stats: RunStats, unit: str, desc: str, enabled: bool):
        from tqdm import tqdm

        self.backend, self.stats = backend, stats
        self.bar = tqdm(total=total, unit=unit, desc=desc, disable=not enabled, dynamic_ncols=True)

    def update(self, result: dict, resumed: bool) -> None:
        stats = self.stats
        if resumed:
            stats.resumed += 1
        else:
            stats.done += 1
            stats.count(result)
        stats.request_retries = self.backend.retries
        postfix = stats.postfix()
        if postfix:
            self.bar.set_postfix(**postfix, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()
