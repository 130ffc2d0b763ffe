"""Placeholder replaced by the quality command module."""

import click


@click.group()
def quality() -> None:
    """(belum tersedia)"""
