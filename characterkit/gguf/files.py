"""Where GGUF outputs go and how they are written: whole or not at all, never over a file unasked."""

from __future__ import annotations

import contextlib
from pathlib import Path

from characterkit import atomic
from characterkit.errors import UserError


def check_can_write(path: Path, overwrite: bool) -> None:
    """Refuse to replace an existing file unless --overwrite was given (a GGUF can take minutes to redo)."""
    if path.exists() and not overwrite:
        raise UserError("already exists; pass --overwrite to replace it", path=path)
    if path.exists() and not path.is_file():
        raise UserError("exists and is not a file", path=path)


@contextlib.contextmanager
def gguf_writer(path: Path, arch: str):
    """A gguf.GGUFWriter for `arch`: the caller adds metadata and tensors, the file is written to a
    temporary name on leaving the block and renamed over `path`."""
    import gguf

    with atomic.replace_file(path) as tmp:
        writer = gguf.GGUFWriter(tmp, arch)
        try:
            yield writer
            writer.write_header_to_file()
            writer.write_kv_data_to_file()
            writer.write_tensors_to_file(progress=False)
        finally:
            writer.close()
