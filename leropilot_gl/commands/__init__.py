"""Headless subcommands of the `leropilot-gl` CLI, one module each."""
