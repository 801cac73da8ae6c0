"""The launcher: migrations, bootstrap, serving each process, and `make run`.

It is the composition root, so it alone may name every service."""
