"""Placeholder replaced by the nik command module."""

import click


@click.group()
def nik() -> None:
    """(belum tersedia)"""
