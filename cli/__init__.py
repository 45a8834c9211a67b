"""graphroute command-line front end (import name ``graphroute_cli``)."""
