"""Faults: the server killed mid-run, the client killed with SIGKILL. The rerun loses nothing and
does nothing twice."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from characterkit.cli import main
from characterkit.errors import UserError
from characterkit.llm import LLMSettings
from characterkit.style import StyleSettings, prepare_style

pytestmark = pytest.mark.slow


def settings(server, novel, **llm):
    return StyleSettings(novel=str(novel), author="Ada Winter", max_retries=2, min_ratio=0.1, max_ratio=10,
                         progress=False,
                         llm=LLMSettings(base_url=server.base_url, model=server.model, concurrency=2, **llm))


def journal_ids(path):
    """Ids of the finished passages, in the order they were journaled (header line skipped)."""
    if not path.exists():
        return []
    return [json.loads(line)["id"] for line in path.read_text().splitlines()[1:] if line.endswith("}")]


def wait_for(condition, timeout=120):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def check_complete(report, journal, resumed):
    """Every passage once in the journal; the rerun did only what the first run had not."""
    ids = journal_ids(journal)
    total = report["passages"]["total"]
    assert len(ids) == len(set(ids)) == total
    assert report["passages"]["resumed_from_journal"] == resumed
    assert report["llm"]["paraphrased_this_run"] == total - resumed
    assert report["passages"]["paraphrased"] + sum(report["passages"]["skipped"].values()) == total


def test_server_killed_mid_run_then_restarted(llm_server, novel, home):
    run = settings(llm_server, novel, retries=2)
    failure = {}

    def first_run():
        try:
            prepare_style(run)
        except UserError as e:
            failure["error"] = str(e)

    thread = threading.Thread(target=first_run)
    thread.start()
    wait_for(lambda: len(journal_ids(run.journal_path)) >= 3)
    llm_server.kill()
    thread.join(timeout=120)
    saved = len(journal_ids(run.journal_path))
    assert llm_server.base_url in failure["error"] and f"{saved} of 19 passages are saved in" in failure["error"]
    assert not run.folder.exists()  # no half-written dataset

    llm_server.start()
    report = prepare_style(run)
    check_complete(report, run.journal_path, resumed=saved)


def test_client_killed_with_sigkill_then_rerun(llm_server, novel, home):
    journal = home / "datasets" / ".Ada_Winter-style.journal.jsonl"
    args = ["prepare", "style", str(novel), "--author", "Ada Winter", "--base-url", llm_server.base_url,
            "--model", llm_server.model, "--max-retries", "2", "--min-ratio", "0.1", "--max-ratio", "10",
            "--concurrency", "2", "--quiet"]
    child = subprocess.Popen([sys.executable, "-m", "characterkit.cli", *args], env=dict(os.environ),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: len(journal_ids(journal)) >= 3)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    saved = len(journal_ids(journal))
    assert 3 <= saved < 19

    assert main(args) == 0
    report = json.loads((home / "datasets" / "Ada_Winter-style" / "report.json").read_text())
    check_complete(report, journal, resumed=saved)
