"""Run N supervised app processes behind nginx: `python -m deploy.start --processes 2 [--port 8080] [--public]`.

Starts N `streamlit run app.py` processes on 127.0.0.1 (ports --port+1 ... --port+N);
a process is *ready* once it answers its health check and has run the Explorer
once for a warm-up session (the first page then costs a reader no layer loading,
and the upload caps of ui/upload_limits.py are in force before anyone can upload).
nginx (Debian package `nginx`) runs in the foreground on --port, loopback only unless
--public, with deploy/nginx.conf.in filled in: only ready processes are routed to.

The supervisor (a thread) checks every process every second: one that exits (or
stops answering its health check for SUPERVISE.hung_s) is marked down at once
(nginx reloaded: its readers' next request or reconnect goes to a live process),
restarted, and routed to again once ready. nginx itself is restarted if it dies.
Ctrl-C (or SIGTERM) stops everything. See deploy/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("nginx.conf.in")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
LOG_LINE = re.compile(
    r"key=(?P<key>\S+) upstream=(?P<upstream>\S+) status=(?P<status>\d+) \"(?P<request>[^\"]*)\""
    r"(?: (?P<seconds>\S+) backend=(?P<backend>\S*))?"
)
# glibc: at most 2 malloc arenas per process. Streamlit runs every rerun in a new thread; with the default
# (8 per core) each thread's arena kept its own free memory, one cause of memory creeping up in a soak.
APP_ENV = {"MALLOC_ARENA_MAX": "2"}


@dataclass(frozen=True)
class Supervise:
    """How the supervisor judges and restarts processes (seconds)."""

    interval_s: float = 1.0  # between checks
    health_timeout_s: float = 3.0
    down_after_s: float = 10.0  # no health answer for this long: marked down (an exited process: at once)
    hung_s: float = 30.0  # no health answer for this long: killed and restarted
    ready_timeout_s: float = 180.0  # start -> ready, else killed and restarted
    backoff_s: tuple[float, ...] = (0.0, 1.0, 2.0, 5.0, 10.0, 30.0)  # restart delays in a crash loop
    stable_s: float = 60.0  # up this long: the crash loop is over


SUPERVISE = Supervise()


@dataclass(frozen=True)
class Limits:
    """Per-client limits nginx enforces (by client address)."""

    conn_per_client: int = 64  # open connections (a tab holds one WebSocket and a few short requests)
    upload_per_min: int = 12  # upload requests (PUT/DELETE) per minute, after a burst of
    upload_burst: int = 8

    def __post_init__(self):
        if not 1 <= self.conn_per_client < 65536:  # nginx's own bound for limit_conn
            raise ValueError(f"conn_per_client must be 1-65535, not {self.conn_per_client}")
        if self.upload_per_min < 1 or self.upload_burst < 0:
            raise ValueError("upload_per_min must be >= 1 and upload_burst >= 0")


def _health(url: str, timeout_s: float) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout_s) as r:
            return r.status == 200
    except OSError:
        return False


def _wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float, log: Path) -> None:
    """Wait until ``url`` answers its health check; on failure raise with the tail of ``log``."""
    deadline = time.time() + timeout_s
    while not _health(url, 2):
        if proc.poll() is not None or time.time() > deadline:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{url} did not start (exit code {proc.poll()}); {log}:\n{tail}")
        time.sleep(0.2)


def warm_up(url: str, timeout_s: float = 180.0) -> None:
    """Open a session on ``url`` and run the Explorer once (what a reader's first visit runs); raises
    RuntimeError unless it finishes without an error."""
    from deploy.protocol import Session

    async def run() -> None:
        async with Session(url, timeout_s=timeout_s) as s:
            r = await s.run()
            if not r.ok:
                raise RuntimeError(f"warm-up run on {url}: {r.status} {r.exceptions[:1]}")

    asyncio.run(run())


def nginx_config(run_dir: Path, listen: str, ports_up: dict[int, bool], limits: Limits = Limits()) -> str:
    """deploy/nginx.conf.in filled in: the pool and one upstream per process; processes not up are ``down``."""

    def server(port: int) -> str:
        return f"server 127.0.0.1:{port}" + ("" if ports_up[port] else " down")

    pool = "\n".join(f"        {server(p)} max_fails=1 fail_timeout=5s;" for p in ports_up)
    upstreams = "\n".join(f"    upstream ffe_b{p} {{\n        {server(p)};\n    }}" for p in ports_up)
    return (
        TEMPLATE.read_text()
        .replace("@RUN_DIR@", str(run_dir))
        .replace("@LISTEN@", listen)
        .replace("@POOL_SERVERS@", pool)
        .replace("@BACKEND_UPSTREAMS@", upstreams)
        .replace("@BACKEND_MAP@", "\n".join(f"        b{p} ffe_b{p};" for p in ports_up))
        .replace("@SERVED_MAP@", "\n".join(f'        "~127\\.0\\.0\\.1:{p}$" b{p};' for p in ports_up))
        .replace("@CONN_PER_CLIENT@", str(limits.conn_per_client))
        .replace("@UPLOAD_PER_MIN@", str(limits.upload_per_min))
        .replace("@UPLOAD_BURST@", str(limits.upload_burst))
    )


@dataclass
class Backend:
    """One app process and what the supervisor knows of it."""

    port: int
    proc: subprocess.Popen | None = None
    state: str = "starting"  # starting -> up; down (exited, hung or not answering) -> starting ...
    started: float = 0.0
    last_ok: float = 0.0
    restarts: int = 0
    crash_streak: int = 0
    not_before: float = 0.0  # a restart waits until then (crash-loop backoff)
    ready_error: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Deployment:
    """A running proxy (``url``) in front of supervised app processes."""

    url: str
    run_dir: Path
    listen: str
    env: dict
    limits: Limits = field(default_factory=Limits)
    supervise: Supervise = field(default_factory=Supervise)
    nodes: dict[int, Backend] = field(default_factory=dict)
    nginx: subprocess.Popen | None = None
    app_args: tuple[str, ...] = ()
    events: list[str] = field(default_factory=list)  # what the supervisor did, with times
    _owned_run_dir: bool = field(default=False, repr=False)
    _proxy_wanted: bool = field(default=False, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ views

    @property
    def backends(self) -> dict[int, subprocess.Popen]:
        """port -> the current app process."""
        return {p: n.proc for p, n in self.nodes.items()}

    @property
    def pids(self) -> dict[int, int]:
        return {p: n.proc.pid for p, n in self.nodes.items() if n.proc is not None}

    def states(self) -> dict[int, str]:
        return {p: n.state for p, n in self.nodes.items()}

    def requests(self) -> list[dict]:
        """The access log so far: one dict (key, upstream, status, request, backend) per proxied request."""
        log = self.run_dir / "access.log"
        return [m.groupdict() for m in map(LOG_LINE.search, log.read_text().splitlines() if log.exists() else []) if m]

    def _event(self, text: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {text}"
        self.events.append(line)
        with contextlib.suppress(OSError), open(self.run_dir / "supervisor.log", "a") as f:
            f.write(line + "\n")
        print(f"deploy: {line}", file=sys.stderr, flush=True)

    # ------------------------------------------------------------------ app processes

    def _spawn(self, node: Backend) -> None:
        with open(self.run_dir / f"app-{node.port}.log", "ab") as log:  # the child keeps its own descriptor
            node.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "run",
                    "app.py",
                    "--server.port",
                    str(node.port),
                    "--server.address",
                    "127.0.0.1",
                    "--server.headless",
                    "true",
                    "--browser.gatherUsageStats",
                    "false",
                    *self.app_args,
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        node.state, node.started, node.ready_error = "starting", time.time(), ""
        threading.Thread(target=self._make_ready, args=(node, node.proc), daemon=True).start()

    def _make_ready(self, node: Backend, proc: subprocess.Popen) -> None:
        """Health check, then a warm-up run; then route to it."""
        log = self.run_dir / f"app-{node.port}.log"
        try:
            _wait_healthy(node.url, proc, self.supervise.ready_timeout_s, log)
            warm_up(node.url, self.supervise.ready_timeout_s)
        except Exception as e:  # it exited, or is broken: the supervisor restarts it
            node.ready_error = str(e).splitlines()[0][:300]
            return
        with self._lock:
            if node.proc is proc and proc.poll() is None and node.state == "starting":
                node.state, node.last_ok = "up", time.time()
                self._event(f"app process :{node.port} (pid {proc.pid}) ready")
                self._reload()

    def _mark_down(self, node: Backend, why: str) -> None:
        node.state = "down"
        self._event(f"app process :{node.port} (pid {node.proc.pid if node.proc else '-'}) {why}; marked down")
        self._reload()

    def _restart(self, node: Backend) -> None:
        if node.proc is not None and node.proc.poll() is None:
            node.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                node.proc.wait(10)
        stable = node.started and time.time() - node.started > self.supervise.stable_s
        node.crash_streak = 0 if stable else node.crash_streak + 1
        delay = self.supervise.backoff_s[min(node.crash_streak, len(self.supervise.backoff_s) - 1)]
        node.not_before = time.time() + delay
        node.state = "restarting"

    def check_once(self) -> None:
        """One round of the supervisor (also callable from tests)."""
        with self._lock:
            if self._proxy_wanted and self.nginx is not None and self.nginx.poll() is not None:
                self._event(f"nginx exited (code {self.nginx.returncode}); restarting it")
                self.start_proxy(wait=False)
            for node in self.nodes.values():
                now = time.time()
                if node.state == "restarting":
                    if now >= node.not_before:
                        node.restarts += 1
                        self._spawn(node)
                        self._event(f"app process :{node.port} restarted (pid {node.proc.pid}, #{node.restarts})")
                    continue
                code = node.proc.poll() if node.proc is not None else -1
                if code is not None:
                    if node.state != "down":
                        self._mark_down(node, f"exited (code {code})")
                    self._restart(node)
                    continue
                if node.state == "starting":
                    if node.ready_error or now - node.started > self.supervise.ready_timeout_s:
                        self._mark_down(node, f"not ready ({node.ready_error or 'timeout'})")
                        self._restart(node)
                    continue
                if _health(node.url, self.supervise.health_timeout_s):
                    node.last_ok = now
                    if node.state == "down":
                        node.state = "up"
                        self._event(f"app process :{node.port} answers again")
                        self._reload()
                elif node.state == "up" and now - node.last_ok > self.supervise.down_after_s:
                    self._mark_down(node, "does not answer its health check")
                elif node.state == "down" and now - node.last_ok > self.supervise.hung_s:
                    self._event(f"app process :{node.port} hung for {now - node.last_ok:.0f} s; killing it")
                    self._restart(node)

    def _supervise(self) -> None:
        while not self._stop.wait(self.supervise.interval_s):
            try:
                self.check_once()
            except Exception as e:  # the supervisor must not die
                self._event(f"supervisor error: {type(e).__name__}: {e}")

    def start_supervisor(self) -> None:
        self._thread = threading.Thread(target=self._supervise, name="ffe-supervisor", daemon=True)
        self._thread.start()

    def wait_until(self, predicate, timeout_s: float, poll_s: float = 0.1) -> bool:
        """Poll ``predicate()`` until true or ``timeout_s``; returns its last value."""
        deadline = time.time() + timeout_s
        while not (ok := bool(predicate())) and time.time() < deadline:
            time.sleep(poll_s)
        return ok

    # ------------------------------------------------------------------ nginx

    def _write_config(self) -> None:
        up = {p: n.state == "up" for p, n in self.nodes.items()}
        (self.run_dir / "nginx.conf").write_text(nginx_config(self.run_dir, self.listen, up, self.limits))

    def _reload(self) -> None:
        """Rewrite the config for the processes' states and have nginx reload it (graceful: open
        connections stay with the old worker)."""
        self._write_config()
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGHUP)

    def start_proxy(self, wait: bool = True) -> None:
        self._proxy_wanted = True
        self._write_config()
        log = self.run_dir / "error.log"
        self.nginx = subprocess.Popen(
            [NGINX, "-e", str(log), "-p", str(self.run_dir), "-c", str(self.run_dir / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if wait:
            _wait_healthy(self.url, self.nginx, 20, log)

    def stop_proxy(self) -> None:
        """Stop nginx (and keep it stopped)."""
        self._proxy_wanted = False  # the supervisor restarts nginx only if it dies unasked
        if self.nginx and self.nginx.poll() is None:
            self.nginx.terminate()  # fast shutdown: open WebSockets are closed, browsers reconnect
            self.nginx.wait(10)

    def restart_proxy(self) -> None:
        """Stop and start nginx: every browser's WebSocket drops and reconnects."""
        with self._lock:
            self.stop_proxy()
            self.start_proxy()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        with self._lock:
            self.stop_proxy()
            procs = [n.proc for n in self.nodes.values() if n.proc is not None]
            for proc in procs:
                if proc.poll() is None:
                    proc.terminate()
            for proc in procs:
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
        if self._owned_run_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)


def start(
    processes: int,
    port: int,
    host: str = "127.0.0.1",
    backend_port: int | None = None,
    run_dir: Path | None = None,
    limits: Limits | None = None,
    supervise: Supervise | None = None,
    app_args: tuple[str, ...] = (),
    ready_timeout_s: float = 180.0,
) -> Deployment:
    """Start ``processes`` app processes and nginx on ``host:port`` once every process is ready, and the
    supervisor; returns the running ``Deployment``."""
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
        **APP_ENV,
        "STREAMLIT_SERVER_COOKIE_SECRET": os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32)),
    }
    first = backend_port or port + 1
    dep = Deployment(
        url=f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0', '::') else host}:{port}",
        run_dir=run_dir,
        listen=f"{host}:{port}" if ":" not in host else f"[{host}]:{port}",
        env=env,
        limits=limits or Limits(),
        supervise=supervise or SUPERVISE,
        app_args=tuple(app_args),
        _owned_run_dir=owned,
    )
    try:
        for p in range(first, first + processes):
            dep.nodes[p] = Backend(p)
            dep._spawn(dep.nodes[p])
        if not dep.wait_until(lambda: all(n.state == "up" for n in dep.nodes.values()), ready_timeout_s, 0.2):
            why = {p: n.ready_error or n.state for p, n in dep.nodes.items()}
            tails = {p: (dep.run_dir / f"app-{p}.log").read_text(errors="replace")[-1500:] for p in dep.nodes if why[p]}
            raise RuntimeError(f"app processes not ready: {why}\n{tails}")
        dep.start_proxy()
        dep.start_supervisor()
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


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--processes", type=int, default=os.cpu_count() or 2, help="app processes (default: one per core)")
    ap.add_argument("--port", type=int, default=8080, help="nginx listens here")
    where = ap.add_mutually_exclusive_group()
    where.add_argument(
        "--public", action="store_true", help="listen on all interfaces (0.0.0.0); default: loopback only"
    )
    where.add_argument("--host", default=None, help="listen on this address (default 127.0.0.1)")
    ap.add_argument("--backend-port", type=int, default=None, help="first app process port (default: --port + 1)")
    ap.add_argument(
        "--run-dir", type=Path, default=None, help="nginx config, logs and temp files (default: a temp dir)"
    )
    ap.add_argument(
        "--conn-per-client",
        type=int,
        default=Limits.conn_per_client,
        help=f"open connections per client address (default {Limits.conn_per_client})",
    )
    ap.add_argument(
        "--uploads-per-min",
        type=int,
        default=Limits.upload_per_min,
        help=f"upload requests per client address and minute, after a burst of {Limits.upload_burst} "
        f"(default {Limits.upload_per_min})",
    )
    return ap


def listen_host(args: argparse.Namespace) -> str:
    """The address nginx listens on: loopback unless --public or --host."""
    return "0.0.0.0" if args.public else (args.host or "127.0.0.1")


def main(argv=None) -> None:
    args = parser().parse_args(argv)
    host = listen_host(args)
    limits = Limits(conn_per_client=args.conn_per_client, upload_per_min=args.uploads_per_min)
    stop = lambda *_: (_ for _ in ()).throw(KeyboardInterrupt)  # noqa: E731
    signal.signal(signal.SIGTERM, stop)
    try:
        dep = start(args.processes, args.port, host, args.backend_port, args.run_dir, limits=limits)
    except KeyboardInterrupt:
        return
    print(
        f"Frontline Freeze Explorer: {args.processes} supervised app process(es) {sorted(dep.nodes)} behind nginx "
        f"on http://{host}:{args.port}{'' if args.public or host != '127.0.0.1' else ' (this machine only)'} "
        f"(logs: {dep.run_dir}). Ctrl-C stops.",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        dep.stop()


if __name__ == "__main__":
    main()
