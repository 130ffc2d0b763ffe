"""``ektp-station serve``: the station's web application (API, OpenAPI at /docs, the queue display at /display)."""

from __future__ import annotations

import json
import socket

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Alamat yang didengarkan (0.0.0.0 untuk jaringan kantor).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port (0: pilih port bebas).")
@click.option("--json", "as_json", is_flag=True, help="Cetak satu baris JSON {\"url\": …} saat siap menerima.")
def serve(host: str, port: int, as_json: bool) -> None:
    """Jalankan server web stasiun: API antrean, layar antrean /display, dokumentasi /docs."""
    import uvicorn

    from ektp_station.cli.common import open_database
    from ektp_station.web.extensions import build_app

    database = open_database()  # unreachable or unmigratable database: one line, before listening
    app = build_app(database.url)
    app.state.database = database
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise click.ClickException(f"Tidak dapat mendengarkan di {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    bound_port = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    url = f"http://{shown}:{bound_port}"
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=3, access_log=False)
    server = uvicorn.Server(config)
    app.state.should_exit = lambda: server.should_exit
    if as_json:
        click.echo(json.dumps({"url": url, "display": f"{url}/display", "docs": f"{url}/docs"}))
    else:
        click.echo(f"Server stasiun berjalan di {url} (layar antrean: {url}/display). Hentikan dengan Ctrl+C.")
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        database.dispose()
