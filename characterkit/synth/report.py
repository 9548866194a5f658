"""What a synth or pair run reports: counts, drops by reason, the length distribution before and
after filtering (report.json), and the same as a table on the terminal."""

from __future__ import annotations

import statistics

from characterkit.summary import counts_line, print_table

# Character-count bins for the histogram; 1,000 (the classic floor) is an edge.
LENGTH_EDGES = (0, 250, 500, 1000, 2000, 4000, 8000, 16000)


def length_distribution(lengths: list[int]) -> dict:
    """count, min, p10, median, p90, max, mean (characters) and a histogram {"250-500": n, ...}."""
    if not lengths:
        return {"count": 0, "histogram": {}}
    ordered = sorted(lengths)
    deciles = statistics.quantiles(ordered, n=10, method="inclusive") if len(ordered) > 1 else [ordered[0]] * 9
    histogram = {}
    for low, high in zip(LENGTH_EDGES, LENGTH_EDGES[1:] + (None,)):
        label = f"{low}-{high}" if high is not None else f"{low}+"
        histogram[label] = sum(1 for n in ordered if n >= low and (high is None or n < high))
    return {"count": len(ordered), "min": ordered[0], "p10": round(deciles[0]), "median": round(deciles[4]),
            "p90": round(deciles[8]), "max": ordered[-1], "mean": round(sum(ordered) / len(ordered), 1),
            "histogram": histogram}


def print_summary(report: dict, console=None) -> None:
    """The report as a rich table: counts, drops, lengths before/after, tokens, the folder."""
    console = print_table(f"{report['dataset']}: {report['kind']} pairs", _rows(report), console)
    console.print(_length_table(report["lengths"]))


def _rows(report: dict) -> list[tuple[str, object]]:
    counts = report["completions"]
    rows = []
    if report["kind"] == "synth":
        prompts, llm = report["prompts"], report["llm"]
        rows += [("slot combinations", f"{prompts['combinations']:,}" + (" (sampled)" if prompts["sampled"] else "")),
                 ("requests", f"{prompts['requests']} ({prompts['per_prompt']} per prompt)"),
                 ("from the journal", llm["resumed_from_journal"]),
                 ("tokens", f"{llm['tokens']['prompt']} prompt, {llm['tokens']['completion']} completion"),
                 ("requests / second",
                  f"{llm['requests_per_second']:.2f} (this run, concurrency {llm['concurrency']})")]
    else:
        unmatched = report["unmatched"]
        rows += [("completions without a prompt", _names(unmatched["completions_without_prompt"])),
                 ("prompts without a completion", _names(unmatched["prompts_without_completion"]))]
    rows += [("completions", counts["total"]), ("kept", counts["kept"]),
             ("dropped", counts_line(report["drops"]) or "none"),
             ("samples", counts_line(report["samples"]["by_split"]) or "0"),
             ("wall time", f"{report['seconds']:.1f} s"), ("folder", report["folder"])]
    return rows


def _length_table(lengths: dict):
    from rich.table import Table

    before, after = lengths["before"], lengths["after"]
    table = Table(title="completion length (characters)")
    table.add_column("")
    table.add_column("before filtering", justify="right")
    table.add_column("after", justify="right")
    for key in ("count", "min", "p10", "median", "p90", "max"):
        table.add_row(key, str(before.get(key, "-")), str(after.get(key, "-")))
    for label, n in before.get("histogram", {}).items():
        if n:  # an empty bin before filtering is empty after it too
            table.add_row(label, str(n), str(after["histogram"].get(label, 0)))
    return table


def _names(names: list[str]) -> str:
    from characterkit.synth.pair import describe_unmatched

    return f"{len(names)} ({describe_unmatched(names)})" if names else "0"
