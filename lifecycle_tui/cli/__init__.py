"""Typer command-line interface: one module per command group, each thin over domain functions."""
