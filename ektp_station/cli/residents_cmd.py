"""Placeholder replaced by the residents command module."""

import click


@click.group()
def residents() -> None:
    """(belum tersedia)"""
