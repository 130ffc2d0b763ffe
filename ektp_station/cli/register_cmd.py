"""Placeholder replaced by the register command module."""

import click


@click.group()
def register() -> None:
    """(belum tersedia)"""
