"""`characterkit chat`: bad input is one line and exit 2 (before any model load); the terminal chat."""

import socket

import pytest
from click.testing import CliRunner

from characterkit.cli import cli, main


def _fails(capsys, argv, *fragments):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
    for fragment in fragments:
        assert fragment in err
    return err


def test_unknown_lora_lists_the_available_ones(home, capsys):
    _fails(capsys, ["chat", "--lora", "nobody"], "'nobody' not found", "mara")


def test_missing_base_model_is_one_line(home, capsys):
    _fails(capsys, ["chat", "--lora", "mara", "--model", "gone"], "'gone' not found", "tiny-mara")


def test_a_port_in_use_is_reported_before_loading(home, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        _fails(capsys, ["chat", "--lora", "mara", "--port", str(port)], f"127.0.0.1:{port}", "--port")


@pytest.mark.parametrize("argv,fragment", [
    (["chat"], "nothing to chat with"),
    (["chat", "--lora", "mara", "--auth", "nopassword"], "user:password"),
    (["chat", "--lora", "mara", "--temperature", "-1"], "temperature"),
    (["chat", "--lora", "mara", "--max-message-chars", "0"], "max message chars"),
    (["chat", "--lora", "mara", "--port", "70000"], "port must be"),
])
def test_bad_flags_are_one_line(home, capsys, argv, fragment):
    _fails(capsys, argv, fragment)


def test_quantised_loading_needs_cuda(home, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    _fails(capsys, ["chat", "--lora", "mara", "--terminal", "--load-in-4bit"], "CUDA")


def test_terminal_chat_streams_replies_and_knows_its_commands(home):
    script = "Afternoon, Mara.\n/retry\n/undo\n/undo\n/compare\nWhere do you want the oil?\n\n/quit\n"
    result = CliRunner().invoke(cli, ["chat", "--lora", "mara", "--terminal", "--temperature", "0",
                                      "--max-new-tokens", "40"], input=script)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "loading" in result.stderr
    lines = out.splitlines()
    assert lines[0] == "Mara: You again? Mind the third step, it is loose."
    replies = [line.split("Mara: ", 1)[1] for line in lines[1:] if "Mara: " in line]
    assert len(replies) == 3 and replies[0] == replies[1]  # /retry with greedy decoding says it again
    assert "(took back: Afternoon, Mara.)" in out
    assert "(nothing to take back)" in out
    assert "(answers without the adapter: on)" in out
    assert "Mara (without the adapter): " in out
    assert all(not r.startswith(("Tobias:", "You:")) for r in replies)


def test_terminal_chat_does_not_send_an_unknown_command(home):
    script = "/foo\n/quit\n"
    result = CliRunner().invoke(cli, ["chat", "--lora", "mara", "--terminal", "--temperature", "0",
                                      "--max-new-tokens", "5"], input=script)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "unknown command /foo" in out and "/retry" in out and "/undo" in out
    assert "Mara: " not in out.split("/foo", 1)[1]  # no reply: the model never saw it
