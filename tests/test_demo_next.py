"""The demo's "Next:" line works as typed, also when the venv is not activated (no characterkit on PATH)."""

import shlex
import subprocess


def test_the_next_command_runs_without_an_activated_venv(tmp_path, monkeypatch):
    from characterkit.demo import command_line

    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # as a fresh shell: the venv's bin/ is not on PATH
    monkeypatch.chdir(tmp_path)
    line = command_line()
    done = subprocess.run([*shlex.split(line), "--version"], capture_output=True, text=True)
    assert done.returncode == 0, (line, done.stderr)
    assert "characterkit" in done.stdout
