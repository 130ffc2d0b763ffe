"""Placeholder replaced by the sop command module."""

import click


@click.group()
def sop() -> None:
    """(belum tersedia)"""
