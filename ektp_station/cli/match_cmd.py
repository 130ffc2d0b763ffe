"""Placeholder replaced by the match command module."""

import click


@click.group()
def match() -> None:
    """(belum tersedia)"""
