"""run_concurrent: input order, bounded concurrency, journal skips, errors stop the run."""

import threading
import time

import pytest

from characterkit.llm import Journal, run_concurrent


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
