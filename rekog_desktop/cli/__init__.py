"""`rekog`: batch commands over the core, for scripts and for people at a terminal.

Exit codes: 0 done, 1 done but some files failed, 2 bad usage or unusable input. Errors are one
plain line on stderr, never a traceback.
"""

from __future__ import annotations

import sys

import click

from rekog_desktop import __version__
from rekog_desktop.cli.context import CliContext
from rekog_desktop.core.common.errors import RekogError
from rekog_desktop.core.common.paths import default_store_path

EXIT_OK, EXIT_SOME_FAILED, EXIT_BAD_INPUT = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    type=str,
    default=None,
    help="Gallery store file (default: the user data folder; env REKOG_DB overrides).",
)
@click.version_option(__version__, prog_name="rekog")
@click.pass_context
def cli(ctx: click.Context, db_path: str | None) -> None:
    """rekog-desktop batch commands. Every result is an investigative lead, not an
    identification."""
    ctx.obj = CliContext(db_path=db_path or default_store_path())


def main() -> None:
    from rekog_desktop.cli import evaluate  # noqa: F401, I001
    from rekog_desktop.cli import gallery  # noqa: F401  (registers commands)
    from rekog_desktop.cli import video  # noqa: F401
    from rekog_desktop.cli import cases  # noqa: F401
    from rekog_desktop.cli import clusters  # noqa: F401

    try:
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_BAD_INPUT)
    except RekogError as exc:
        click.echo(f"rekog: {exc}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except OSError as exc:
        click.echo(f"rekog: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        sys.exit(EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
