"""Placeholder replaced by the queue command module."""

import click


@click.group()
def queue() -> None:
    """(belum tersedia)"""
