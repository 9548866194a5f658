"""End to end: the Gradio app on a free local port, driven in headless Chromium (Debian's, through
Playwright with `executable_path`; never `playwright install`). Skips with the install line when
the browser is absent; `make browser` (run by `make test`) installs it on CI."""

import shutil
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from characterkit.records import Turn

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]
FIRST, SECOND = "Do you ever get lonely out here?", "Where do you want the oil?"
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Chromium not found: install it with `apt-get install -y chromium` (or `make browser`)")
    pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed: pip install playwright")
    return path


@pytest.fixture(scope="module")
def settings():
    from characterkit.chat.engine import GenerationSettings

    return GenerationSettings(temperature=0, max_new_tokens=40)


@pytest.fixture(scope="module")
def page(chromium, engine, settings):
    from playwright.sync_api import sync_playwright

    from characterkit.chat.app import build_app, launch_app

    demo = launch_app(build_app(engine, settings), port=None, block=False)
    try:
        with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
            context = p.chromium.launch_persistent_context(profile, executable_path=chromium, headless=True,
                                                           args=CHROMIUM_FLAGS, viewport={"width": 1300, "height": 900})
            page = context.pages[0]
            page.goto(demo.local_url, wait_until="domcontentloaded")
            page.locator("textarea").first.wait_for(state="visible", timeout=WAIT_MS)
            yield page
            context.close()
    finally:
        demo.close()


def _bubbles(page, chat_id: str) -> list[str]:
    return [b.inner_text().strip() for b in page.locator(f"#{chat_id} [data-testid='bot']").all()]


def _send(page, message: str, chat_id: str = "chat", press: str = "Enter") -> str:
    """Type `message`, press Enter (or click Send), and return the newest reply in `chat_id` once it
    stops changing."""
    before = len(_bubbles(page, chat_id))
    box = page.locator("textarea").first
    box.fill(message)
    if press == "Enter":
        box.press("Enter")
    else:
        page.get_by_role("button", name=press, exact=True).click()
    page.wait_for_function(f"document.querySelectorAll(\"#{chat_id} [data-testid='bot']\").length > {before}",
                           timeout=WAIT_MS)
    return _settled(page, chat_id)


def _settled(page, chat_id: str) -> str:
    """The last reply in `chat_id` after the stream has ended (the send box is enabled again)."""
    page.locator("textarea:not([disabled])").first.wait_for(state="visible", timeout=WAIT_MS)
    last, seen = None, _bubbles(page, chat_id)[-1]
    while seen != last:  # the final text can land just after the box is enabled
        last = seen
        time.sleep(0.5)
        seen = _bubbles(page, chat_id)[-1]
    return seen


def _fresh(page, side_by_side: bool = False) -> None:
    """Start over (Clear brings back the greeting alone) with the side-by-side switch as asked."""
    page.get_by_label("Side by side").set_checked(side_by_side)
    page.locator("#chat-clear").click()
    page.wait_for_function("document.querySelectorAll(\"#chat [data-testid='bot']\").length === 1", timeout=WAIT_MS)


def _expected(engine, settings, history, message, use_adapter=True):
    greeting = [Turn(engine.character.name, engine.character.greeting)]
    return engine.reply(greeting + history, message, settings, use_adapter=use_adapter)


def test_the_greeting_opens_and_a_streamed_reply_arrives(page, engine, settings, tmp_path):
    _fresh(page)
    assert _bubbles(page, "chat") == [engine.character.greeting]
    reply = _send(page, FIRST)
    assert reply == _expected(engine, settings, [], FIRST)
    assert reply and "\n" not in reply
    shot = tmp_path / "chat.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshot: {shot}")


def test_side_by_side_shows_the_answer_without_the_adapter(page, engine, settings, tmp_path):
    _fresh(page, side_by_side=True)
    page.locator("#chat-base").wait_for(state="visible", timeout=WAIT_MS)
    first = _send(page, FIRST)
    reply = _send(page, SECOND)
    history = [Turn("You", FIRST), Turn("Mara", first)]
    assert reply == _expected(engine, settings, history, SECOND)
    assert _settled(page, "chat-base") == _expected(engine, settings, history, SECOND, use_adapter=False)
    page.screenshot(path=str(Path(tmp_path) / "side-by-side.png"), full_page=True)


def _messages(page, chat_id: str) -> list[str]:
    return [m.inner_text().strip() for m in page.locator(f"#{chat_id} [data-testid='user'], "
                                                        f"#{chat_id} [data-testid='bot']").all()]


def test_undo_and_clear(page, engine, settings):
    """With side by side on, Undo takes the last exchange out of both chats (they stay in step)."""
    _fresh(page, side_by_side=True)
    _send(page, FIRST)
    _send(page, SECOND, press="Send")
    _settled(page, "chat-base")
    replies = len(_bubbles(page, "chat"))
    assert len(_bubbles(page, "chat-base")) == replies
    page.locator("#chat-undo").click()
    page.wait_for_function(f"document.querySelectorAll(\"#chat [data-testid='bot']\").length < {replies}",
                           timeout=WAIT_MS)
    assert page.locator("textarea").first.input_value() == SECOND  # undo hands the message back
    page.wait_for_function(f"document.querySelectorAll(\"#chat-base [data-testid='bot']\").length < {replies}",
                           timeout=WAIT_MS)
    assert _messages(page, "chat-base")[:-1] == _messages(page, "chat")[:-1]  # greeting and the first message
    assert len(_messages(page, "chat-base")) == len(_messages(page, "chat")) == 3
    assert SECOND not in _messages(page, "chat-base")
    page.locator("#chat-clear").click()
    page.wait_for_function("document.querySelectorAll(\"#chat [data-testid='bot']\").length === 1", timeout=WAIT_MS)
    assert _bubbles(page, "chat") == [engine.character.greeting]  # a fresh start opens with the greeting
    assert _bubbles(page, "chat-base") == [engine.character.greeting]
    _fresh(page)
    assert _send(page, SECOND) == _expected(engine, settings, [], SECOND)


def test_a_message_over_the_cap_stays_in_the_box_with_its_error(page, engine):
    """Refused before sending: the error shows by the box, the text stays, the chats are untouched."""
    _fresh(page)
    before = _messages(page, "chat")
    too_long = "x" * (engine.max_message_chars + 1)
    page.locator("textarea").first.fill(too_long)
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_text("the limit is").wait_for(state="visible", timeout=WAIT_MS)
    assert page.locator("textarea").first.input_value() == too_long
    assert _messages(page, "chat") == before
    assert page.get_by_text("Error", exact=True).count() == 0
    page.locator("textarea").first.fill("")


def test_labelled_buttons_and_stop(page, engine, monkeypatch):
    """Send, Retry, Undo and Clear carry their names; Stop shows while a reply streams and ends it."""
    closed = threading.Event()
    real_stream = engine.stream

    def endless(*args, **kwargs):
        """The tiny model's reply ends within a second (on a busy machine, before Stop can be clicked):
        this one streams the real reply, then goes on until the page's Stop closes it."""
        try:
            with closing(real_stream(*args, **kwargs)) as replies:
                reply = ""
                for reply in replies:
                    yield reply
            while True:
                time.sleep(0.1)
                reply += " and"
                yield reply
        finally:  # reached only when Gradio closes the generator: the loop above never ends by itself
            closed.set()

    monkeypatch.setattr(engine, "stream", endless)
    _fresh(page)
    for name in ("Send", "Retry", "Undo", "Clear"):
        assert page.get_by_role("button", name=name, exact=True).count() >= 1, name
    page.locator("textarea").first.fill(FIRST)
    page.get_by_role("button", name="Send", exact=True).click()
    stop = page.get_by_role("button", name="Stop", exact=True)
    stop.wait_for(state="visible", timeout=WAIT_MS)
    deadline = time.time() + WAIT_MS / 1000
    while " and and" not in _bubbles(page, "chat")[-1]:  # the reply is still streaming
        assert time.time() < deadline, _bubbles(page, "chat")
        time.sleep(0.2)
    stop.click()
    assert closed.wait(timeout=WAIT_MS / 1000), "Stop did not end the reply's generator"
    page.locator("textarea:not([disabled])").first.wait_for(state="visible", timeout=WAIT_MS)
    stop.wait_for(state="hidden", timeout=WAIT_MS)


def test_the_memory_summary_is_shown_and_can_be_cleared(page):
    page.get_by_text("Memory", exact=True).click()  # the accordion
    summary = page.locator("#chat-summary textarea")
    summary.wait_for(state="visible", timeout=WAIT_MS)
    summary.fill("Mara told You about the loose step.")
    page.get_by_role("button", name="Clear the summary").click()
    page.wait_for_function("document.querySelector('#chat-summary textarea').value === ''", timeout=WAIT_MS)


def test_the_title_first_letter_is_in_the_title_font(page):
    """Gradio's prose styles can give a heading's ::first-letter its own font: the title reads as one word."""
    styles = page.evaluate("""() => {
        const h = document.querySelector('.characterkit-title h2');
        const pick = s => [s.fontFamily, s.fontSize, s.fontWeight, s.fontStyle];
        return [pick(getComputedStyle(h)), pick(getComputedStyle(h, '::first-letter')), h.textContent];
    }""")
    whole, first, text = styles
    assert text.strip() and first == whole, styles
