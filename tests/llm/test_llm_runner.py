"""run_concurrent: input order, bounded concurrency, journal skips, errors stop the run; run_journaled:
the backend, the journal and the stats around it."""

import json
import threading
import time

import pytest

import characterkit.llm
from characterkit.errors import UserError
from characterkit.llm import Backend, Journal, LLMSettings, RunStats, run_concurrent, run_journaled


class Gauge:
    """Counts calls running at once (the most seen) and which items ran."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running = self.most = 0
        self.ran = []

    def __call__(self, item):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.ran.append(item)
        time.sleep(0.002 * (7 - item % 7))  # later items often finish first
        with self.lock:
            self.running -= 1
        return {"item": item, "square": item * item}


def test_results_come_in_input_order_with_at_most_concurrency_calls():
    gauge = Gauge()
    results = list(run_concurrent(range(40), gauge, concurrency=4))
    assert [r["item"] for r in results] == list(range(40))
    assert all(r["square"] == r["item"] ** 2 for r in results)
    assert 1 <= gauge.most <= 4
    assert sorted(gauge.ran) == list(range(40))


def test_journaled_items_are_not_run_again_and_keep_their_place(tmp_path):
    path = tmp_path / "j.jsonl"
    with Journal(path, {}) as journal:
        first = list(run_concurrent(range(10), Gauge(), concurrency=3, journal=journal, key=str))
    seen = []
    gauge = Gauge()
    with Journal(path, {}) as journal:
        results = list(run_concurrent(range(15), gauge, concurrency=3, journal=journal, key=str,
                                      on_done=lambda result, resumed: seen.append((result["item"], resumed))))
    assert sorted(gauge.ran) == list(range(10, 15))  # only the new ones ran
    assert results[:10] == first and [r["item"] for r in results] == list(range(15))
    assert sorted(seen) == [(i, i < 10) for i in range(15)]


def test_an_error_stops_new_work_keeps_finished_work_and_propagates(tmp_path):
    def fn(item):
        if item == 5:
            raise RuntimeError("server gone")
        return {"item": item}

    path = tmp_path / "j.jsonl"
    with Journal(path, {}) as journal:
        with pytest.raises(RuntimeError, match="server gone"):
            list(run_concurrent(range(100), fn, concurrency=2, journal=journal, key=str))
        done = set(journal.done)
    assert "5" not in done and {"0", "1", "2", "3", "4"} <= done
    assert len(done) < 99  # the run stopped instead of trying everything
    with Journal(path, {}) as journal:  # and every finished item is on disk
        assert set(journal.done) == done


class NamedBackend(Backend):
    """A backend that only has a model name: the functions under test make no requests."""

    model = "stub-model"

    def open(self):
        return self


class Tally(RunStats):
    def count(self, result: dict) -> None:
        self.model_seen = result["model"]


def test_run_journaled_records_the_model_and_resumes_from_the_journal(tmp_path, monkeypatch):
    monkeypatch.setitem(characterkit.llm.BACKENDS, "openai", lambda settings: NamedBackend())
    path = tmp_path / "run.journal.jsonl"

    def run(items):
        return run_journaled(items, lambda item, backend: {"item": item, "model": backend.model}, LLMSettings(),
                             path, {"task": "squares"}, key=str, stats=Tally(), progress=False)

    results, stats = run(range(4))
    assert [r["item"] for r in results] == [0, 1, 2, 3] and (stats.done, stats.resumed) == (4, 0)
    assert stats.model == stats.model_seen == "stub-model"
    header = json.loads(path.read_text().splitlines()[0])
    assert header["settings"] == {"task": "squares", "backend": "openai", "model": "stub-model"}
    results, stats = run(range(6))
    assert [r["item"] for r in results] == list(range(6)) and (stats.done, stats.resumed) == (2, 4)


def test_run_journaled_says_how_much_is_saved_when_the_backend_dies(tmp_path, monkeypatch):
    monkeypatch.setitem(characterkit.llm.BACKENDS, "openai", lambda settings: NamedBackend())

    def fn(item, backend):
        if item == 3:
            raise UserError("server gone")
        return {"item": item}

    path = tmp_path / "run.journal.jsonl"
    with pytest.raises(UserError) as err:
        run_journaled(list(range(50)), fn, LLMSettings(concurrency=1), path, {}, key=str, progress=False,
                      unit="passage")
    with Journal(path, {"backend": "openai", "model": "stub-model"}) as journal:
        saved = len(journal.done)
    assert str(err.value).startswith(f"server gone. {saved} of 50 passages are saved in {path}")
