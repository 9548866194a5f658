"""The `characterkit` command: one thin click command per stage, each calling one library function.

No logic lives here beyond turning flags into arguments. Errors the user can fix are `UserError`s,
printed as one line on stderr with exit status 2.
"""

from __future__ import annotations

import sys

import click

from characterkit import __version__
from characterkit.errors import UserError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="characterkit")
def cli():
    """Turn transcripts, plays and novels into a character you can talk to.

    \b
    prepare   sources -> training samples in datasets/NAME/ (every trainer's format)
    finetune  dataset -> LoRA adapter in loras/NAME/
    chat      talk to the character (browser or terminal)
    """


@cli.group()
def prepare():
    """Turn sources into training samples (dialogue, style pairs, synthetic pairs)."""


# Stage commands are defined below, one section per stage. Keep each one thin.

# --- prepare dialogue / speakers -------------------------------------------------------------


def main(argv=None) -> int:
    """Entry point: run the CLI, turning UserError into one line on stderr and exit code 2."""
    try:
        rv = cli.main(args=argv, prog_name="characterkit", standalone_mode=False)
    except UserError as e:
        click.echo(f"error: {e}", err=True)
        return e.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as e:
        e.show()
        return 2
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 0
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":
    sys.exit(main())
