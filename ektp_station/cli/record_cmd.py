"""Placeholder replaced by the record command module."""

import click


@click.group()
def record() -> None:
    """(belum tersedia)"""
