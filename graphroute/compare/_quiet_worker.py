"""Imported only by the compare forkserver (its preload list): Ctrl-C ends every worker quietly.

The forkserver records the SIGINT handler it finds after its preload imports and installs it in
every worker it forks. With :func:`~graphroute.compare.runner.quiet_exit` installed here, a worker
that gets Ctrl-C at any moment (while it unpickles its task, runs it, or exits after answering)
leaves with ``EXIT_INTERRUPTED`` and prints nothing. Python's default handler would raise
``KeyboardInterrupt`` there, and outside ``_child`` multiprocessing prints
``Process ForkServerProcess-N:`` and a traceback on the user's terminal.

Never import this module in the coordinating process: it replaces that process's SIGINT handler.
"""

import signal

from graphroute.compare.runner import quiet_exit

signal.signal(signal.SIGINT, quiet_exit)
