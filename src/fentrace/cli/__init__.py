"""The ``fentrace`` command line: a thin edge over the library.

One module per capability registers its click group or command here. Exit status:
0 success (also when some input rows were rejected: they are reported), 2 usage error,
1 failure. Errors are printed as one located sentence, never a traceback (set
``FENTRACE_DEBUG=1`` to see one for an unexpected internal error).
"""

from __future__ import annotations

import os
import sys

import click

from fentrace import __version__
from fentrace.cli.chem import chem
from fentrace.cli.demo import demo
from fentrace.cli.kb import kb
from fentrace.cli.network import network
from fentrace.cli.parties import parties
from fentrace.cli.shipments import shipments
from fentrace.cli.simulate import evaluate, simulate
from fentrace.exc import FentraceError, UsageError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fentrace")
def cli() -> None:
    """fentrace: screen chemicals, parties and shipments of the fentanyl supply chain,
    trace the network and simulate policy levers -- with a source for every fact."""


for _command in (kb, chem, parties, shipments, network, simulate, evaluate, demo):
    cli.add_command(_command)


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
    except Exception as error:  # the last guard: a clear line, the traceback only on request
        if os.environ.get("FENTRACE_DEBUG"):
            raise
        click.echo(
            f"internal error: {type(error).__name__}: {error} (set FENTRACE_DEBUG=1 for a traceback)",
            err=True,
        )
        return 1
    return 0


def entry() -> None:  # pragma: no cover - exercised through the console script
    sys.exit(main())
