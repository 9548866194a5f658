"""Per-stage command modules: each module here defines click commands and a `register(cli)`.

cli.py is kept to the first stages; a new command goes into a module of its own in this package
(e.g. `models.py` for `characterkit models …`). Modules are found by name, so adding one needs no
edit elsewhere. They must import only click at module level: heavy imports go inside the commands.
"""

from __future__ import annotations

import importlib
import pkgutil

import click


def register_commands(cli: click.Group) -> None:
    """Add every command module's commands to the top-level group (modules in name order)."""
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name == "options":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        module.register(cli)
