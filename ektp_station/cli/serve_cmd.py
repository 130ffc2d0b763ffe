"""Placeholder replaced by the serve command module."""

import click


@click.group()
def serve() -> None:
    """(belum tersedia)"""
