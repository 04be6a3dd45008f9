"""The process: command line, settings, logging, wiring and the long-running loop.

`cli.main` is the `quizbot` command; `bootstrap` is the composition root that turns settings
into ready services; `runtime` runs an adapter with a heartbeat and clean shutdown. This is the
only layer that knows every other one.
"""
