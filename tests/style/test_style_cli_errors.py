"""Bad input to `prepare style`: one clear line on stderr, exit status 2, no traceback."""

import pytest

from characterkit.cli import main


def style(novel, *extra):
    return main(["prepare", "style", str(novel), "--author", "Ada Winter", "--quiet", *extra])


def test_an_unreachable_server_names_the_url_and_suggests_lm_studio(novel, home, one_error_line):
    assert style(novel, "--base-url", "http://127.0.0.1:9/v1", "--retries", "1") == 2
    err = one_error_line()
    assert "http://127.0.0.1:9/v1" in err and "LM Studio" in err


@pytest.mark.slow
def test_an_unknown_model_says_what_the_server_said(llm_server, novel, home, one_error_line):
    assert style(novel, "--base-url", llm_server.base_url, "--model", "no-such-model", "--limit", "1") == 2
    err = one_error_line()
    assert "unknown model 'no-such-model'" in err and llm_server.base_url in err


def test_a_novel_with_no_paragraphs_left(tmp_path, home, one_error_line):
    novel = tmp_path / "scraps.txt"
    novel.write_text("Too short.\n\nAlso short.\n\nCHAPTER 1\n\nNope.\n")
    assert style(novel, "--base-url", "http://127.0.0.1:9/v1") == 2
    err = one_error_line()
    assert str(novel) in err and "no passages left" in err and "too_short" in err


def test_an_invalid_template(tmp_path, novel, home, one_error_line):
    template = tmp_path / "template.yaml"
    template.write_text("user: 'Rewrite {passage}'\n")
    assert style(novel, "--template", str(template)) == 2
    err = one_error_line()
    assert str(template) in err and "{passage}" in err


@pytest.mark.parametrize("flags, complaint", [
    (["--max-retries", "0"], "--max-retries"),
    (["--min-ratio", "3"], "--min-ratio"),
    (["--concurrency", "0"], "--concurrency"),
    (["--formats", "alpacca"], "unknown export format"),
    (["--dataset", "../escape"], "invalid dataset name"),
])
def test_bad_flags(novel, home, one_error_line, flags, complaint):
    assert style(novel, "--base-url", "http://127.0.0.1:9/v1", *flags) == 2
    assert complaint in one_error_line()


def test_a_missing_novel(tmp_path, home, one_error_line):
    assert style(tmp_path / "nowhere.txt") == 2
    assert "nowhere.txt" in one_error_line()
