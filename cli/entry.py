"""The ``graphroute`` console script.

It imports the Typer app inside :func:`main`, so that a Ctrl-C during start-up (typer, rich and numpy take
a few tenths of a second to import) ends like a Ctrl-C in any command: ``error: interrupted`` on stderr
and exit code 130, not a 20-line ``KeyboardInterrupt`` traceback. ``--debug`` (or ``GRAPHROUTE_DEBUG=1``)
shows the traceback, as it does for every other error.
"""

from __future__ import annotations

import os
import sys

#: 128 + SIGINT, as :data:`graphroute_cli.common.EXIT_INTERRUPTED`.
EXIT_INTERRUPTED = 130


def main() -> None:
    try:
        from graphroute_cli.main import main as run

        run()
    except KeyboardInterrupt:
        if "--debug" in sys.argv[1:] or os.environ.get("GRAPHROUTE_DEBUG", "") not in ("", "0"):
            raise
        sys.stderr.write("error: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)


if __name__ == "__main__":
    main()
