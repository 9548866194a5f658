"""Option groups shared by several commands: each hands its flags to the command as one settings object.

Kept apart from cli.py so the per-stage command modules in this package can use them.
"""

from __future__ import annotations

import click


def _split_formats(value: str | None) -> list[str] | None:
    return [f.strip() for f in value.split(",") if f.strip()] if value else None


LLM_FIELDS = ("backend", "base_url", "model", "api_key", "concurrency", "timeout", "retries", "device")


def llm_options(command):
    """The LLM backend flags (shared by every command that calls a model); the command receives
    them as one `llm: LLMSettings` argument."""
    import functools

    options = [
        click.option("--backend", default="openai", show_default=True, envvar="CHARACTERKIT_LLM_BACKEND",
                     type=click.Choice(["openai", "local"]),
                     help="openai: any OpenAI-compatible server (LM Studio, Ollama, llama.cpp, vLLM, OpenAI); "
                          "local: a transformers model from models/, run in this process."),
        click.option("--base-url", default="http://localhost:1234/v1", show_default=True,
                     envvar=["CHARACTERKIT_LLM_BASE_URL", "OPENAI_BASE_URL"], show_envvar=True,
                     help="The server's API root (LM Studio's default shown)."),
        click.option("--model", default="", envvar="CHARACTERKIT_LLM_MODEL", show_envvar=True,
                     help="Model id on the server (default: its first listed model), or a folder in models/ "
                          "for --backend local (default: SmolLM2-135M-Instruct, installed on first use)."),
        click.option("--api-key", default="", envvar="OPENAI_API_KEY", show_envvar=True,
                     help="Sent as a Bearer token; local servers usually accept anything."),
        click.option("--concurrency", default=4, show_default=True,
                     help="Requests in flight (the server batches them); the batch size with --backend local."),
        click.option("--timeout", default=300.0, show_default=True, help="Seconds to wait for one reply."),
        click.option("--retries", default=5, show_default=True,
                     help="Attempts per request on connection errors, timeouts, HTTP 429 and 5xx (with backoff)."),
        click.option("--device", default="cpu", show_default=True, help="--backend local: cpu, cuda or auto."),
    ]

    @functools.wraps(command)
    def with_llm(**kwargs):
        from characterkit.llm import LLMSettings

        return command(llm=LLMSettings(**{name: kwargs.pop(name) for name in LLM_FIELDS}), **kwargs)

    for option in reversed(options):
        with_llm = option(with_llm)
    return with_llm


FILTER_FIELDS = ("min_chars", "max_chars", "ban_phrases", "reject_regex", "require_regex", "near_duplicate")
OUTPUT_FIELDS = ("dataset", "output_dir", "formats", "val_ratio", "seed", "keep_rejected")


def filter_options(min_chars: int):
    """The completion-filter flags of `prepare synth` and `pair`, handed to the command as one
    `filters: FilterSettings` argument (plus `require_slots` where the command has slots)."""
    import functools

    options = [
        click.option("--min-chars", default=min_chars, show_default=True, help="Drop completions shorter than this."),
        click.option("--max-chars", default=None, type=int, help="Drop completions longer than this."),
        click.option("--ban-phrase", "ban_phrases", multiple=True,
                     help="Drop completions containing this, in any case (repeatable)."),
        click.option("--reject-regex", default=None, help="Drop completions matching this regular expression."),
        click.option("--require-regex", default=None, help="Drop completions not matching this regular expression."),
        click.option("--near-duplicate", default=0.8, show_default=True,
                     help="Drop a completion whose word 5-grams overlap a kept one's this much (Jaccard; "
                          "1.0: identical texts only)."),
    ]

    def decorate(command):
        @functools.wraps(command)
        def with_filters(require_slots=(), **kwargs):
            from characterkit.synth import FilterSettings

            filters = FilterSettings(require_slots=list(require_slots),
                                     **{name: kwargs.pop(name) for name in FILTER_FIELDS})
            return command(filters=filters, **kwargs)

        for option in reversed(options):
            with_filters = option(with_filters)
        return with_filters

    return decorate


def output_options(command):
    """Where the dataset goes (shared by `prepare synth` and `pair`): one `output: OutputSettings`."""
    import functools

    options = [
        click.option("--dataset", default=None, help="Dataset name under datasets/."),
        click.option("-o", "--output-dir", default=None, type=click.Path(),
                     help="Write here instead of datasets/NAME."),
        click.option("--formats", default=None, help="Comma-separated exports (default: all)."),
        click.option("--val-ratio", default=0.0, show_default=True, help="Share of pairs for validation (seeded)."),
        click.option("--seed", default=0, show_default=True, help="Seed for sampling and the validation split."),
        click.option("--keep-rejected", is_flag=True,
                     help="Also write rejected.jsonl: each dropped completion and why."),
    ]

    @functools.wraps(command)
    def with_output(**kwargs):
        from characterkit.synth import OutputSettings

        values = {name: kwargs.pop(name) for name in OUTPUT_FIELDS}
        return command(output=OutputSettings(**{**values, "formats": _split_formats(values["formats"])}), **kwargs)

    for option in reversed(options):
        with_output = option(with_output)
    return with_output
