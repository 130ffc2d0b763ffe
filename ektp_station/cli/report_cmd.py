"""Placeholder replaced by the report command module."""

import click


@click.group()
def report() -> None:
    """(belum tersedia)"""
