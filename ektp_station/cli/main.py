"""Entry point of ``ektp-station``."""

from __future__ import annotations

import sys

import click
from sqlalchemy.exc import SQLAlchemyError

from drivers.errors import DeviceError
from ektp_station import __version__
from ektp_station.cli import (
    biometrics_cmd,
    db_cmd,
    match_cmd,
    nik_cmd,
    quality_cmd,
    queue_cmd,
    record_cmd,
    register_cmd,
    report_cmd,
    residents_cmd,
    serve_cmd,
    sop_cmd,
)
from ektp_station.errors import StationError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ektp-station")
def cli() -> None:
    """Stasiun perekaman e-KTP Kecamatan Kalipare (SOP PATEN 2017)."""


cli.add_command(sop_cmd.sop)
cli.add_command(db_cmd.db)
cli.add_command(nik_cmd.nik)
cli.add_command(residents_cmd.residents)
cli.add_command(record_cmd.record)
cli.add_command(report_cmd.report)
cli.add_command(biometrics_cmd.biometrics)
cli.add_command(quality_cmd.quality)
cli.add_command(match_cmd.match)
cli.add_command(queue_cmd.queue)
cli.add_command(serve_cmd.serve)
cli.add_command(register_cmd.register)


def main(argv: list[str] | None = None) -> int:
    try:
        code = cli.main(args=argv, prog_name="ektp-station", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Dibatalkan.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except StationError as exc:
        click.echo(f"galat: {exc.message}", err=True)
        return exc.exit_code
    except DeviceError as exc:
        click.echo(f"galat perangkat: {exc.message}", err=True)
        return 3
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()
        click.echo(f"galat basis data: {reason[0] if reason else type(exc).__name__}", err=True)
        return 2
    except KeyboardInterrupt:
        click.echo("Dihentikan.", err=True)
        return 130
    # In non-standalone mode click returns ctx.exit()'s code (or a command's return value).
    return code if isinstance(code, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
