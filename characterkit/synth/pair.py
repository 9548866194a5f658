"""The folder-of-files workflow: `prompts/x.txt` <-> `completions/x.txt`, matched by name.

    matched = match_files("prompts", "completions")
    matched.pairs                        [(name, prompt file, completion file)], sorted by name
    matched.completions_without_prompt   names that cannot be paired
    matched.prompts_without_completion   names with no completion (deleted, or never generated)

A file's name is its path inside the folder without the extension, so `a/x.txt` pairs with
`a/x.md`. Completions are the source of truth: people review generated completions and delete the
bad ones, so a prompt without a completion is expected and only listed, while a completion
without a prompt is a mistake (a renamed or misplaced file), fatal under --strict.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

from characterkit.errors import UserError


@dataclass
class MatchedFiles:
    pairs: list[tuple[str, Path, Path]] = field(default_factory=list)
    completions_without_prompt: list[str] = field(default_factory=list)
    prompts_without_completion: list[str] = field(default_factory=list)


def match_files(prompts_dir, completions_dir) -> MatchedFiles:
    """Pair the files of two folders by name (see the module docstring)."""
    prompts, completions = _files_by_name(Path(prompts_dir)), _files_by_name(Path(completions_dir))
    matched = MatchedFiles()
    for name in sorted(completions):
        if name in prompts:
            matched.pairs.append((name, prompts[name], completions[name]))
        else:
            matched.completions_without_prompt.append(name)
    matched.prompts_without_completion = sorted(set(prompts) - set(completions))
    return matched


def _files_by_name(folder: Path) -> dict[str, Path]:
    """name -> file for every visible file under `folder`; two files with one name are an error."""
    if not folder.is_dir():
        raise UserError("no such folder" if not folder.exists() else "is a file, not a folder", path=folder)
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue  # hidden files: editor backups, .DS_Store
        name = relative.with_suffix("").as_posix()
        if name in files:
            raise UserError(f"two files are named {name!r}: {files[name].name} and {path.name}; "
                            "rename one so that each prompt has one completion", path=folder)
        files[name] = path
    return files


def read_pair_file(path: Path) -> str:
    """A prompt or completion file as text: the encoding sniffed as for sources (UTF-8, UTF-16,
    cp1252), line endings made "\\n", surrounding whitespace removed. Binary files are a UserError."""
    from characterkit.io import cp1252
    from characterkit.io.decode import sniff_encoding

    encoding, bom = sniff_encoding(path)
    decoder = cp1252.Decoder() if encoding == "cp1252" else codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(path.read_bytes(), final=True)
    if bom:
        text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def describe_unmatched(names: list[str], limit: int = 10) -> str:
    """`a, b, c and 12 more` for messages and the summary."""
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
