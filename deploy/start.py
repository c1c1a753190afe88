"""Run N app processes behind nginx with sticky sessions: `python -m deploy.start --processes 2 --port 8080`.

Starts N `streamlit run app.py` processes on 127.0.0.1 (ports --port+1 ... --port+N),
waits until each answers its health check, writes deploy/nginx.conf.in filled in
to a run directory and runs nginx (Debian package `nginx`) in the foreground on
--port. Ctrl-C (or SIGTERM) stops nginx and the app processes. See deploy/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("nginx.conf.in")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
LOG_LINE = re.compile(r"key=(?P<key>\S+) upstream=(?P<upstream>\S+) status=(?P<status>\d+) \"(?P<request>[^\"]*)\"")


def _wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float, log: Path) -> None:
    """Wait until ``url`` answers its health check; on failure raise with the tail of ``log``."""
    deadline = time.time() + timeout_s
    while True:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                return
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"{url} did not start (exit code {proc.poll()}); {log}:\n{tail}") from None
            time.sleep(0.3)


def nginx_config(run_dir: Path, listen: str, backend_ports: list[int]) -> str:
    """deploy/nginx.conf.in with the run directory, listen address and upstream servers filled in."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;" for p in backend_ports)
    return (
        TEMPLATE.read_text()
        .replace("@RUN_DIR@", str(run_dir))
        .replace("@LISTEN@", listen)
        .replace("@SERVERS@", servers)
    )


@dataclass
class Deployment:
    """A running proxy (``url``) in front of app processes (``backends``: port -> process)."""

    url: str
    run_dir: Path
    backends: dict[int, subprocess.Popen]
    nginx: subprocess.Popen | None = None
    listen: str = ""
    _owned_run_dir: bool = field(default=False, repr=False)

    @property
    def pids(self) -> dict[int, int]:
        return {port: p.pid for port, p in self.backends.items()}

    def start_proxy(self) -> None:
        (self.run_dir / "nginx.conf").write_text(nginx_config(self.run_dir, self.listen, list(self.backends)))
        log = self.run_dir / "error.log"
        self.nginx = subprocess.Popen(
            [NGINX, "-e", str(log), "-p", str(self.run_dir), "-c", str(self.run_dir / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_healthy(self.url, self.nginx, 20, log)

    def stop_proxy(self) -> None:
        if self.nginx and self.nginx.poll() is None:
            self.nginx.terminate()  # fast shutdown: open WebSockets are closed, browsers reconnect
            self.nginx.wait(10)

    def restart_proxy(self) -> None:
        """Stop and start nginx: every browser's WebSocket drops and reconnects."""
        self.stop_proxy()
        self.start_proxy()

    def requests(self) -> list[dict]:
        """The access log so far: one dict (key, upstream, status, request) per proxied request."""
        log = self.run_dir / "access.log"
        return [m.groupdict() for m in map(LOG_LINE.search, log.read_text().splitlines() if log.exists() else []) if m]

    def stop(self) -> None:
        self.stop_proxy()
        for proc in self.backends.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.backends.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if self._owned_run_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)


def start(
    processes: int, port: int, host: str = "127.0.0.1", backend_port: int | None = None, run_dir: Path | None = None
) -> Deployment:
    """Start ``processes`` app processes and nginx on ``host:port``; returns the running ``Deployment``."""
    owned = run_dir is None
    run_dir = Path(run_dir or tempfile.mkdtemp(prefix="ffe-deploy-"))
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run_dir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(run_dir / "tmp" / sub, 0o777)  # nginx workers run as an unprivileged user when started as root
    os.chmod(run_dir, 0o755)
    os.chmod(run_dir / "tmp", 0o755)
    # One cookie secret for all processes (Streamlit signs its XSRF cookie with it).
    env = {
        **os.environ,
        "STREAMLIT_SERVER_COOKIE_SECRET": os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32)),
    }
    first = backend_port or port + 1
    backends = {}
    dep = Deployment(
        url=f"http://localhost:{port}",
        run_dir=run_dir,
        backends=backends,
        listen=f"{host}:{port}",
        _owned_run_dir=owned,
    )
    try:
        for p in range(first, first + processes):
            with open(run_dir / f"app-{p}.log", "ab") as log:  # the child keeps its own descriptor
                backends[p] = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "streamlit",
                        "run",
                        "app.py",
                        "--server.port",
                        str(p),
                        "--server.address",
                        "127.0.0.1",
                        "--server.headless",
                        "true",
                        "--browser.gatherUsageStats",
                        "false",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
        for p, proc in backends.items():
            _wait_healthy(f"http://127.0.0.1:{p}", proc, 90, run_dir / f"app-{p}.log")
        dep.start_proxy()
    except BaseException:
        dep.stop()
        raise
    return dep


@contextlib.contextmanager
def running(processes: int, port: int, **kwargs):
    """``start`` as a context manager: stops everything on exit."""
    dep = start(processes, port, **kwargs)
    try:
        yield dep
    finally:
        dep.stop()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--processes", type=int, default=os.cpu_count() or 2, help="app processes (default: one per core)")
    ap.add_argument("--port", type=int, default=8080, help="nginx listens here")
    ap.add_argument("--host", default="0.0.0.0", help="nginx listen address (default: all interfaces)")
    ap.add_argument("--backend-port", type=int, default=None, help="first app process port (default: --port + 1)")
    ap.add_argument(
        "--run-dir", type=Path, default=None, help="nginx config, logs and temp files (default: a temp dir)"
    )
    args = ap.parse_args(argv)
    dep = start(args.processes, args.port, args.host, args.backend_port, args.run_dir)
    print(
        f"Frontline Freeze Explorer: {args.processes} app process(es) {sorted(dep.backends)} behind nginx on "
        f"http://{args.host}:{args.port} (access log: {dep.run_dir / 'access.log'}). Ctrl-C stops.",
        flush=True,
    )
    stop = lambda *_: (_ for _ in ()).throw(KeyboardInterrupt)  # noqa: E731
    signal.signal(signal.SIGTERM, stop)
    try:
        while all(p.poll() is None for p in [dep.nginx, *dep.backends.values()]):
            time.sleep(1)
        print("a process exited; stopping", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        dep.stop()


if __name__ == "__main__":
    main()
