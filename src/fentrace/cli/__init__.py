"""The ``fentrace`` command line: a thin edge over the library.

One module per capability registers its click group or command here. Exit status:
0 success (also when some input rows were rejected: they are reported), 2 usage error,
1 failure. Errors are printed as one located sentence, never a traceback (set
``FENTRACE_DEBUG=1`` to see one for an unexpected internal error).
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from fentrace import __version__
from fentrace.exc import FentraceError, UsageError

#: Each command and the module that defines it. A module is imported only when its command runs
#: (or help lists it), so `fentrace chem screen` does not pay for Polars, networkx or matplotlib.
COMMAND_MODULES: dict[str, tuple[str, str]] = {
    "kb": ("fentrace.cli.kb", "kb"),
    "chem": ("fentrace.cli.chem", "chem"),
    "parties": ("fentrace.cli.parties", "parties"),
    "shipments": ("fentrace.cli.shipments", "shipments"),
    "network": ("fentrace.cli.network", "network"),
    "simulate": ("fentrace.cli.simulate", "simulate"),
    "evaluate": ("fentrace.cli.simulate", "evaluate"),
    "demo": ("fentrace.cli.demo", "demo"),
    "rescreen": ("fentrace.cli.rescreen", "rescreen"),
    "serve": ("fentrace.cli.serve", "serve"),
    "admin": ("fentrace.cli.admin", "admin"),
}


class LazyGroup(click.Group):
    """A click group whose capability commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in COMMAND_MODULES:
            return command
        module, attribute = COMMAND_MODULES[cmd_name]
        loaded = getattr(importlib.import_module(module), attribute)
        if not isinstance(loaded, click.Command):
            raise TypeError(f"{module}.{attribute} is not a click command")
        return loaded


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fentrace")
def cli() -> None:
    """fentrace: screen chemicals, parties and shipments of the fentanyl supply chain,
    trace the network and simulate policy levers -- with a source for every fact."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return (and, from the console script, exit with) the status code."""
    try:
        cli.main(args=argv, prog_name="fentrace", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.ClickException as error:  # usage errors: bad option, missing argument
        error.show()
        return 2 if isinstance(error, click.UsageError) else 1
    except UsageError as error:
        click.echo(f"error: {error}", err=True)
        return 2
    except FentraceError as error:
        click.echo(f"error: {error}", err=True)
        return 1
    except click.exceptions.Exit as exit_:
        return int(exit_.exit_code)
    except BrokenPipeError:  # output piped into `head`
        return 0
    except OSError as error:  # a path given on the command line cannot be read or written
        click.echo(f"error: {error}", err=True)
        return 1
    except Exception as error:  # the last guard: a clear line, the traceback only on request
        if os.environ.get("FENTRACE_DEBUG"):
            raise
        click.echo(
            f"internal error: {type(error).__name__}: {error} (set FENTRACE_DEBUG=1 for a traceback)",
            err=True,
        )
        return 1
    except BaseException as error:  # a panic in Rust code (Polars) is not an Exception
        if type(error).__name__ != "PanicException" or os.environ.get("FENTRACE_DEBUG"):
            raise
        click.echo(f"internal error: {type(error).__name__}: {str(error)[:200]}", err=True)
        return 1
    return 0


def entry() -> None:  # pragma: no cover - exercised through the console script
    sys.exit(main())
