"""A prepare run's report as the terminal shows it: shared by `prepare style`, `prepare synth` and `pair`,
so their summaries look alike. rich is imported only when a table is printed."""

from __future__ import annotations


def print_table(title: str, rows: list[tuple[str, object]], console=None):
    """Print `rows` as a two-column (what, value) rich table under `title`; return the console."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(title=title, show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value", overflow="fold")
    for what, value in rows:
        table.add_row(what, str(value))
    console.print(table)
    return console


def counts_line(counts: dict) -> str:
    """`{"too_short": 3, "refusal": 1}` -> "too_short 3, refusal 1" in the dict's order ("" when empty);
    an empty key (a tone the model did not give) shows as "(none)"."""
    return ", ".join(f"{key or '(none)'} {n}" for key, n in counts.items())
