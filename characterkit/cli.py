"""The `characterkit` command: one thin click command per stage, each calling one library function.

No logic lives here beyond turning flags into arguments. Errors the user can fix are `UserError`s,
printed as one line on stderr with exit status 2.
"""

from __future__ import annotations

import sys

import click

from characterkit import __version__
from characterkit.errors import UserError
from characterkit.commands import register_commands
from characterkit.commands.options import _split_formats, filter_options, llm_options, output_options
from characterkit.prompts import FORMATS
from characterkit.records import DEFAULT_MIN_CONFIDENCE
from characterkit.train.config import ATTENTIONS, PRECISIONS, SCHEDULERS


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="characterkit")
def cli():
    """Turn transcripts, plays and novels into a character you can talk to.

    \b
    prepare   sources -> training samples in datasets/NAME/ (every trainer's format)
    finetune  dataset -> LoRA adapter in loras/NAME/
    chat      talk to the character (browser or terminal)
    """


@cli.group(short_help="Sources -> training samples (dialogue, style, synth).")
def prepare():
    """Turn sources into training samples (dialogue, style pairs, synthetic pairs)."""


# Stage commands are defined below, one section per stage. Keep each one thin.

# --- prepare dialogue / speakers -------------------------------------------------------------


@prepare.command("dialogue")
@click.argument("sources", nargs=-1, required=True, type=click.Path(dir_okay=True))
@click.option("-n", "--name", "names", multiple=True, help="Character to build samples for (repeatable).")
@click.option("--all-speakers", is_flag=True, help="Build samples for every speaker with --min-lines lines or more.")
@click.option("--min-lines", default=20, show_default=True, help="With --all-speakers: the fewest lines a speaker needs.")
@click.option("-r", "--rounds", default=5, show_default=True,
              help="Context turns before each reply. A turn is one speaker's utterance (or one piece of narration); "
                   "the legacy prepare_dataset.py counted raw lines instead, across scene breaks.")
@click.option("--format", "fmt", default="auto", show_default=True,
              help="Source format: auto, inline (Name: line), ownline (Name on its own line), chatlog, novel.")
@click.option("--alias", "aliases", multiple=True, metavar="ALIAS=NAME", help='Merge a name into another: "Jack=John Worthing".')
@click.option("--strip-actions", is_flag=True, help="Remove (actions) and *actions* from lines.")
@click.option("--drop-narration", is_flag=True, help="Leave untagged narration out of the context.")
@click.option("--drop-stage-directions", is_flag=True, help="Leave stage directions ([Enter Lane.]) out of the context.")
@click.option("--min-words", default=1, show_default=True, help="Drop replies with fewer words.")
@click.option("--min-confidence", default=DEFAULT_MIN_CONFIDENCE, show_default=True,
              help="Novels: drop target lines attributed with less confidence (transcript lines are certain).")
@click.option("--cast", default=None, type=click.Path(dir_okay=False),
              help="Novels: a cast file (YAML list of name, aliases, gender) instead of the cast found in the text.")
@click.option("--val-ratio", default=0.05, show_default=True, help="Share of samples for validation (seeded).")
@click.option("--seed", default=0, show_default=True)
@click.option("--persona", default=None,
              help="A description of the character, used as the system prompt (default: written from the source; "
                   "--persona '' for none).")
@click.option("--greeting", "greetings", multiple=True, metavar="[NAME=]LINE",
              help="The card's greeting (default: a line of the character's that can open a chat with a stranger).")
@click.option("--formats", default=None, help="Comma-separated exports (default: all). See docs for names.")
@click.option("--dataset", default=None, help="Dataset name under datasets/ (default: the character's name).")
@click.option("-o", "--output-dir", default=None, type=click.Path(), help="Write here instead of datasets/NAME.")
@click.option("--into-webui", default=None, type=click.Path(), help="Also install into a text-generation-webui folder.")
def prepare_dialogue_cmd(sources, names, all_speakers, min_lines, rounds, fmt, aliases, strip_actions, drop_narration,
                         drop_stage_directions, min_words, min_confidence, cast, val_ratio, seed, persona, greetings,
                         formats, dataset, output_dir, into_webui):
    """Build rolling-context samples for a character from transcripts, plays, chat logs or novels."""
    from characterkit.config import DialogueSettings, parse_aliases
    from characterkit.prepare import prepare_dialogue, summary

    settings = DialogueSettings(
        sources=list(sources), names=list(names), all_speakers=all_speakers, min_lines=min_lines, rounds=rounds,
        format=fmt, aliases=parse_aliases(aliases), strip_actions=strip_actions, keep_narration=not drop_narration,
        keep_stage_directions=not drop_stage_directions, min_words=min_words, min_confidence=min_confidence,
        cast=cast, val_ratio=val_ratio, seed=seed, persona=persona, greetings=list(greetings),
        formats=_split_formats(formats), dataset=dataset,
        output_dir=output_dir, into_webui=into_webui)
    click.echo(summary(prepare_dialogue(settings)))


@cli.command("speakers", short_help="Who speaks in the sources, with line counts.")
@click.argument("sources", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", default="auto", show_default=True,
              help="Source format: auto, inline (Name: line), ownline (Name on its own line), chatlog, novel.")
@click.option("--alias", "aliases", multiple=True, metavar="ALIAS=NAME", help='Merge a name into another: "Jack=John Worthing".')
@click.option("--cast", default=None, type=click.Path(dir_okay=False),
              help="Novels: a cast file (YAML list of name, aliases, gender) instead of the cast found in the text.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (speakers, formats, drops) instead of a table.")
def speakers_cmd(sources, fmt, aliases, cast, as_json):
    """List who speaks in the sources, with line counts, most lines first."""
    import json

    from characterkit.config import parse_aliases
    from characterkit.parse import scan_speakers

    table = scan_speakers(list(sources), fmt=fmt, aliases=parse_aliases(aliases), cast=cast)
    click.echo(json.dumps(table.report(), ensure_ascii=False, indent=2) if as_json else table.format_table())


# --- prepare style ----------------------------------------------------------------------------

@prepare.command("style")
@click.argument("novel", type=click.Path())
@click.option("--author", required=True, help='Whose style the pairs teach: "George MacDonald".')
@llm_options
@click.option("--template", default="plain", show_default=True,
              help="Paraphrase prompt: a preset (plain, ai-text) or a YAML file with `system` and `user`.")
@click.option("--tones", default=None, type=click.Path(), help="Tone mapping YAML (default: ten core tones).")
@click.option("--min-words", default=10, show_default=True, help="Drop passages with fewer words.")
@click.option("--max-words", default=400, show_default=True, help="Drop passages with more words.")
@click.option("--beats", default=0, show_default=True,
              help="Merge consecutive paragraphs into passages of about N words (never across chapters); 0: off.")
@click.option("--limit", default=None, type=int, help="Only the first N passages (to try settings out).")
@click.option("--max-retries", default=5, show_default=True, help="Attempts per passage before it is skipped.")
@click.option("--temperature", default=0.7, show_default=True)
@click.option("--max-tokens", default=None, type=int, help="Reply length limit (default: from the passage's length).")
@click.option("--seed", default=0, show_default=True, help="First sampling seed; each retry uses the next.")
@click.option("--min-ratio", default=0.5, show_default=True, help="Shortest paraphrase, as a share of the passage's words.")
@click.option("--max-ratio", default=2.0, show_default=True, help="Longest paraphrase, as a share of the passage's words.")
@click.option("--reject-phrase", "reject_phrases", multiple=True, help="Also reject replies containing this (repeatable).")
@click.option("--dataset", default=None, help='Dataset name under datasets/ (default: "AUTHOR-style").')
@click.option("-o", "--output-dir", default=None, type=click.Path(), help="Write here instead of datasets/NAME.")
@click.option("--formats", default=None, help="Comma-separated exports (default: all).")
@click.option("--val-ratio", default=0.0, show_default=True, help="Share of pairs for validation (seeded).")
@click.option("--journal", default=None, type=click.Path(), help="Journal file (default: datasets/.NAME.journal.jsonl).")
@click.option("--fresh", is_flag=True, help="Ignore an existing journal and paraphrase everything again.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def prepare_style_cmd(novel, author, llm, template, tones, min_words, max_words, beats, limit, max_retries,
                      temperature, max_tokens, seed, min_ratio, max_ratio, reject_phrases, dataset, output_dir,
                      formats, val_ratio, journal, fresh, quiet):
    """Pairs that teach an author's voice: a plain paraphrase (by an LLM) -> the author's own passage."""
    from characterkit.style import StyleSettings, prepare_style, print_summary

    settings = StyleSettings(
        novel=novel, author=author, llm=llm, template=template, tones=tones, min_words=min_words,
        max_words=max_words, beats=beats, limit=limit, max_retries=max_retries, temperature=temperature,
        max_tokens=max_tokens, seed=seed, min_ratio=min_ratio, max_ratio=max_ratio,
        reject_phrases=list(reject_phrases), dataset=dataset, output_dir=output_dir,
        formats=_split_formats(formats), val_ratio=val_ratio, journal=journal, fresh=fresh, progress=not quiet)
    print_summary(prepare_style(settings))


# --- prepare synth / pair ---------------------------------------------------------------------

@prepare.command("synth")
@click.argument("template", type=click.Path())
@llm_options
@click.option("--sample", default=None, type=int, help="Draw N slot combinations (with --seed) instead of all.")
@filter_options(min_chars=1000)
@click.option("--require-slot", "require_slots", multiple=True,
              help="Drop completions that do not mention this slot's value (repeatable): an off-task check.")
@output_options
@click.option("--journal", default=None, type=click.Path(),
              help="Journal file (default: datasets/.NAME.journal.jsonl).")
@click.option("--fresh", is_flag=True, help="Ignore an existing journal and generate everything again.")
@click.option("--write-files", is_flag=True,
              help="Also write prompts/ID.txt and completions/ID.txt, to review and re-pair with `characterkit pair`.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def prepare_synth_cmd(template, llm, sample, filters, output, journal, fresh, write_files, quiet):
    """Synthetic pairs: slot combinations -> LLM completions -> filtered prompt/completion training files."""
    from characterkit.synth import SynthSettings, prepare_synth, print_summary

    settings = SynthSettings(template=template, llm=llm, sample=sample, filters=filters, output=output,
                             journal=journal, fresh=fresh, write_files=write_files, progress=not quiet)
    print_summary(prepare_synth(settings))


@cli.command("pair", short_help="Pair prompts/x.txt with completions/x.txt into samples.")
@click.argument("prompts_dir", type=click.Path())
@click.argument("completions_dir", type=click.Path())
@click.option("--character", default="Assistant", show_default=True, help="Whose voice the completions are.")
@click.option("--persona", default="", help="The system prompt written into the training files.")
@click.option("--strict", is_flag=True, help="Fail when a completion has no prompt file of the same name.")
@filter_options(min_chars=0)
@output_options
def pair_cmd(prompts_dir, completions_dir, character, persona, strict, filters, output):
    """Pair prompts/x.txt with completions/x.txt (completions are the source of truth) into a dataset."""
    from characterkit.synth import PairSettings, pair_folders, print_summary

    settings = PairSettings(prompts_dir=prompts_dir, completions_dir=completions_dir, character=character,
                            persona=persona, strict=strict, filters=filters, output=output)
    print_summary(pair_folders(settings))


# --- finetune / eval / make-tiny-model --------------------------------------------------------


@cli.command("finetune", short_help="Train a LoRA on a dataset into loras/NAME/.")
@click.option("-m", "--model", required=True, help="Base model: a folder under models/ or a path.")
@click.option("-d", "--data", required=True,
              help="Dataset folder (datasets/NAME), any characterkit export file, or a .txt for style training.")
@click.option("-l", "--lora-name", default=None, help="Folder under loras/ (default: the dataset's name).")
@click.option("--character", default=None, help="Whose replies are trained, when the data does not say.")
@click.option("--prompt-format", type=click.Choice(["auto", *FORMATS]), default="auto", show_default=True,
              help="pygmalion (Name: text turns) or chat-template (the tokenizer's); auto picks chat-template "
                   "when the tokenizer has one.")
@click.option("--user-name", default="You", show_default=True, help="The chat user's name (for stop strings).")
@click.option("-r", "--rank", default=16, show_default=True, help="LoRA rank.")
@click.option("--alpha", default=32, show_default=True, help="LoRA alpha (scale = alpha / rank).")
@click.option("--dropout", default=0.0, show_default=True, help="LoRA dropout (the legacy script's 0.05 is slower).")
@click.option("--target-modules", default="all-linear", show_default=True,
              help="all-linear, auto (peft's default per architecture), or comma-separated module names.")
@click.option("--lora-layers", default=0, show_default=True,
              help="Adapters on the top K layers only (0: all): backward stops below them, faster and "
                   "lighter, a weaker LoRA.")
@click.option("--learning-rate", "--lr", "learning_rate", default=3e-4, show_default=True, type=float)
@click.option("--lr-scheduler", type=click.Choice(SCHEDULERS), default="linear", show_default=True)
@click.option("--warmup-steps", default=0.0, show_default=True, type=float, help="Steps, or a fraction of them when < 1.")
@click.option("-b", "--micro-batch-size", default=4, show_default=True, help="Samples per device per step.")
@click.option("--grad-accum", default=1, show_default=True, help="Gradient accumulation steps.")
@click.option("-e", "--epochs", default=3.0, show_default=True, type=float)
@click.option("--max-steps", default=0, show_default=True, help="Stop after this many steps (overrides --epochs).")
@click.option("-c", "--cutoff", default=256, show_default=True, help="Longest sequence in tokens.")
@click.option("--overlap", default=64, show_default=True, help="Plain text: tokens shared by neighbouring windows.")
@click.option("--eos/--no-eos", "add_eos", default=True, show_default=True,
              help="Train EOS after each reply's end marker, so the model learns to stop.")
@click.option("--packing", is_flag=True,
              help="Lay each batch end to end in one row, no padding, no attention across samples (pays off "
                   "on a GPU with flash attention; on a CPU dynamic padding is faster).")
@click.option("--group-by-length/--no-group-by-length", default=True, show_default=True,
              help="Batch samples of similar length together, so batches need less padding.")
@click.option("--val-split", default=0.0, show_default=True, help="Hold out this share when the dataset has no val rows.")
@click.option("--eval-steps", default=0, show_default=True, help="Evaluate every N steps (0: only at the end).")
@click.option("--save-steps", default=100, show_default=True, help="Checkpoint every N steps (0: none).")
@click.option("--save-total-limit", default=3, show_default=True, help="Checkpoints kept.")
@click.option("--logging-steps", default=1, show_default=True)
@click.option("--seed", default=42, show_default=True)
@click.option("--gradient-checkpointing", is_flag=True, help="Trade compute for memory.")
@click.option("--precision", type=click.Choice(PRECISIONS), default="auto", show_default=True,
              help="auto (the fastest correct one for this machine, said at start), fp32, bf16-autocast (bf16 "
                   "matmuls, fp32 weights), bf16 (bf16 base, fp32 LoRA) or fp16 (GPU).")
@click.option("--attention", type=click.Choice(ATTENTIONS), default="auto",
              show_default=True, help="auto (said at start: plain bf16 attention on a CPU up to --cutoff 512, where "
              "it is faster), default (transformers' own), plain, sdpa (torch's fused kernel), eager.")
@click.option("--load-in-8bit", is_flag=True, help="Load the base model in 8 bits (bitsandbytes, CUDA only).")
@click.option("--load-in-4bit", is_flag=True, help="Load the base model in 4 bits (bitsandbytes, CUDA only).")
@click.option("--optimizer", default="adamw_torch", show_default=True,
              help="A transformers optimizer name: adamw_torch, adamw_torch_fused, adafactor, sgd, ...")
@click.option("--overwrite", is_flag=True, help="Replace an existing LoRA of the same name.")
@click.option("--resume", is_flag=True, help="Continue from the newest checkpoint in loras/NAME/.")
@click.option("--keep-checkpoints", is_flag=True,
              help="Keep checkpoint-*/ after a successful run (they are always kept after a failed one, for --resume).")
@click.option("--memory/--no-memory", default=True, show_default=True,
              help="Train with the character's recalled source lines in the prompt, as chat shows them "
                   "(when the dataset has memory.jsonl).")
def finetune_cmd(**options):
    """Train a LoRA adapter for a causal LM on a dataset, into loras/NAME/."""
    from characterkit.train.config import FinetuneSettings
    from characterkit.train.finetune import finetune, summary

    click.echo(summary(finetune(FinetuneSettings(**options))))


@cli.command("eval", short_help="Does the LoRA sound like the character? Base vs LoRA.")
@click.option("-l", "--lora", required=True, help="A folder under loras/ or a path.")
@click.option("-m", "--model", default=None, help="Base model (default: the one the LoRA was trained on).")
@click.option("-d", "--data", default=None, help="Dataset (default: the one the LoRA was trained on).")
@click.option("--neutral", default=None, type=click.Path(exists=True, dir_okay=False),
              help="A text file for the general-ability check (default: a built-in text).")
@click.option("-b", "--micro-batch-size", default=8, show_default=True)
@click.option("--samples", default=24, show_default=True,
              help="Replies generated per model for held-out contexts (speaker classifier; contexts are reused, "
                   "with new seeds, when there are fewer) and passages asked about (yes/no test).")
@click.option("--seed", default=0, show_default=True, help="Chooses the held-out contexts, passages and other "
              "speakers' held-out lines.")
@click.option("--max-new-tokens", default=48, show_default=True, help="The longest generated reply.")
def eval_cmd(**options):
    """Does the LoRA sound like the character, and what did it cost? Base vs base + LoRA on held-out lines."""
    from characterkit.train.config import EvalSettings
    from characterkit.train.evaluate import evaluate, summary

    click.echo(summary(evaluate(EvalSettings(**options))))


@cli.command("make-tiny-model", short_help="Build a tiny local model for trying the pipeline.")
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--arch", default="llama", show_default=True, type=click.Choice(["llama", "gptj", "neox", "gpt2"]))
@click.option("--pretrain", "pretrain_file", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Pre-train on this text so the model writes words and newlines.")
@click.option("--steps", default=300, show_default=True, help="Pre-training steps (with --pretrain).")
def make_tiny_model_cmd(out_dir, arch, pretrain_file, steps):
    """Build a tiny local model (tokenizer trained here, 2 layers) for trying the pipeline on a CPU."""
    from characterkit.train.tiny import make_tiny_model

    click.echo(make_tiny_model(out_dir, arch=arch, pretrain_file=pretrain_file, steps=steps, progress=True))


# --- chat ------------------------------------------------------------------------------------


@cli.command("chat", short_help="Talk to the character, in the browser or the terminal.")
@click.option("-l", "--lora", default=None, help="A folder under loras/ or a path; its run card names the base model.")
@click.option("-m", "--model", default=None, help="Base model under models/ or a path (default: the LoRA's own).")
@click.option("--character", default=None,
              help="characters/NAME.yaml (webui) or a character file (default: the LoRA's run card).")
@click.option("--user-name", default=None, help="Your name in the conversation (default: the run card's, else You).")
@click.option("--terminal", is_flag=True, help="Chat in this shell instead of the browser.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on (0.0.0.0 = every network).")
@click.option("--port", default=7860, show_default=True, help="Port to serve on (0: the first free one from 7860).")
@click.option("--share", is_flag=True, help="Also open a public gradio.live link (off by default).")
@click.option("--auth", default=None, metavar="USER:PASS", help="Ask for this user name and password.")
@click.option("--temperature", default=0.7, show_default=True, help="0 = greedy.")
@click.option("--top-p", default=0.9, show_default=True)
@click.option("--max-new-tokens", default=200, show_default=True)
@click.option("--repetition-penalty", default=1.1, show_default=True)
@click.option("--seed", default=-1, show_default=True, help="-1 = a fresh seed for each reply.")
@click.option("--max-message-chars", default=4000, show_default=True, help="Longest message accepted.")
@click.option("--memory/--no-memory", default=True, show_default=True,
              help="Recall the character's own lines from its source (when the LoRA has a memory file) and "
                   "fold old turns into a summary instead of dropping them.")
@click.option("--trust-remote-code", is_flag=True, help="Run Python code shipped with the model (off: only trusted models).")
@click.option("--load-in-8bit", is_flag=True, help="Load the base model in 8 bits (bitsandbytes, CUDA only).")
@click.option("--load-in-4bit", is_flag=True, help="Load the base model in 4 bits (bitsandbytes, CUDA only).")
@click.option("--precision", type=click.Choice(["auto", "fp32", "bf16"]), default="auto", show_default=True,
              help="On a CPU: the base model's dtype (auto: bf16 where the CPU has bf16 instructions, else fp32).")
def chat_cmd(**options):
    """Talk to the character: the LoRA's base model + adapter, in the browser or (--terminal) the shell."""
    from characterkit.chat import chat

    return chat(**options)


# --- novels ----------------------------------------------------------------------------------


@cli.command("quotes", short_help="Every quotation of a novel with its speaker.")
@click.argument("novel", type=click.Path(dir_okay=False))
@click.option("--cast", default=None, type=click.Path(dir_okay=False),
              help="Cast file (YAML list of name, aliases, gender) instead of the cast found in the text.")
@click.option("--jsonl", is_flag=True, help="One JSON object per quotation: start, end, text, speaker, confidence, rule.")
@click.option("--use-llm", is_flag=True, help="Ask the LLM (flags below) about the quotes the rules leave uncertain.")
@llm_options
def quotes_cmd(novel, cast, jsonl, use_llm, llm):
    """List every quotation of a novel in text order, with its speaker, confidence and rule."""
    import json

    from characterkit.parse.novel import format_quote, read_quotes
    from characterkit.parse.novel.book import QUOTE_HEADER

    for n, row in enumerate(read_quotes(novel, cast=cast, llm=llm if use_llm else None)):
        if n == 0 and not jsonl:
            click.echo(QUOTE_HEADER + "   (offset: characters into the text)")
        click.echo(json.dumps(row, ensure_ascii=False) if jsonl else format_quote(row))


@cli.command("eval-attribution", short_help="Score novel quote attribution on PDNC.")
@click.argument("pdnc_dir", type=click.Path(file_okay=False))
@click.option("--novel", "novels", multiple=True, help="Only this PDNC novel folder (repeatable; default: all).")
@click.option("--setting", "settings", multiple=True, type=click.Choice(["given", "discovered"]),
              help="Score with PDNC's cast given, or discovered from the text (repeatable; default: both).")
@click.option("--min-confidence", default=None, type=float,
              help="Lines kept for training are attributed at or above this (default: the novel default, 0.9).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of a table.")
def eval_attribution_cmd(pdnc_dir, novels, settings, min_confidence, as_json):
    """Score quotation attribution on PDNC novels: overall, per quote type, and the kept lines."""
    import json

    from characterkit.parse.novel.eval import evaluate_attribution, format_report

    report = evaluate_attribution(pdnc_dir, novels=list(novels), min_confidence=min_confidence, settings=list(settings))
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else format_report(report))


# Commands of later stages live in characterkit/commands/, one module each.
register_commands(cli)


def main(argv=None) -> int:
    """Entry point of `characterkit`."""
    return run_command(cli, argv, prog_name="characterkit")


def run_command(command: click.Command, argv=None, prog_name: str | None = None) -> int:
    """Run a click command, turning UserError, a bad flag and a filesystem error into one line on stderr
    and exit code 2 (no traceback)."""
    from characterkit.cli_numbers import harden_numbers
    from characterkit.errors import os_error_line

    try:
        rv = harden_numbers(command).main(args=argv, prog_name=prog_name, standalone_mode=False)
    except UserError as e:
        click.echo(f"error: {e}", err=True)
        return e.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.UsageError as e:  # a bad flag: one line, like every other error
        hint = f" (see {e.ctx.command_path} -h)" if e.ctx is not None else ""
        click.echo(f"error: {e.format_message()}{hint}", err=True)
        return 2
    except click.ClickException as e:
        e.show()
        return 2
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:  # a full disk, a read-only folder, a path that is a folder: the path and the cause
        click.echo(f"error: {os_error_line(e)}", err=True)
        return 2
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":
    sys.exit(main())
