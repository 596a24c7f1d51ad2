"""Artifact and metric delivery that survives long runs and flaky servers.

``TensorBoardSync`` mirrors a TensorBoard event folder into the run's artifacts incrementally;
``ResilientLogger`` keeps metrics in a local journal while the server is away and flushes later.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

MANIFEST = "_manifest.json"


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class TensorBoardSync:
    """Upload only new or changed files of ``log_dir`` to ``<artifact_path>/`` of a run.

    A file is re-uploaded when its size or modification time changed and its content hash
    differs from the last upload. ``_manifest.json`` (path -> size, sha256, uploaded_at) is kept
    next to the files in the artifact store so anyone can see what was synced when.
    Upload errors are reported once per sync and retried on the next call; nothing is lost.
    """

    def __init__(self, log_dir: str | os.PathLike, run_id: str, artifact_path: str = "tensorboard",
                 client: MlflowClient | None = None):
        self.log_dir = Path(log_dir)
        self.run_id = run_id
        self.artifact_path = artifact_path.strip("/")
        self.client = client or MlflowClient()
        self._stat: dict[str, tuple[int, int]] = {}
        self.manifest: dict[str, dict] = {}
        self.uploads = 0

    def pending(self) -> list[Path]:
        """Files whose size or mtime changed since their last upload."""
        if not self.log_dir.is_dir():
            return []
        out = []
        for path in sorted(p for p in self.log_dir.rglob("*") if p.is_file()):
            rel = path.relative_to(self.log_dir).as_posix()
            st = path.stat()
            if self._stat.get(rel) != (st.st_size, st.st_mtime_ns):
                out.append(path)
        return out

    def sync(self) -> int:
        """Upload what changed; returns how many files were uploaded."""
        uploaded = 0
        for path in self.pending():
            rel = path.relative_to(self.log_dir).as_posix()
            st = path.stat()
            digest = _file_digest(path)
            if self.manifest.get(rel, {}).get("sha256") == digest:
                self._stat[rel] = (st.st_size, st.st_mtime_ns)
                continue
            sub = "/".join(x for x in (self.artifact_path, os.path.dirname(rel)) if x)
            try:
                self.client.log_artifact(self.run_id, str(path), artifact_path=sub)
            except Exception as exc:  # server away: keep it pending, try again next time
                print(f"tensorboard sync: upload of {rel} failed ({type(exc).__name__}); will retry",
                      file=sys.stderr)
                return uploaded
            self._stat[rel] = (st.st_size, st.st_mtime_ns)
            self.manifest[rel] = {"size": st.st_size, "sha256": digest, "uploaded_at": time.time()}
            uploaded += 1
        if uploaded:
            try:
                self.client.log_dict(self.run_id, self.manifest, f"{self.artifact_path}/{MANIFEST}")
            except Exception as exc:
                print(f"tensorboard sync: manifest upload failed ({type(exc).__name__})", file=sys.stderr)
        self.uploads += uploaded
        return uploaded


def last_logged_step(run_id: str, journal: Path | None = None, client: MlflowClient | None = None) -> int:
    """The highest step of any metric of ``run_id``, on the server or still in ``journal``; -1 if none."""
    client = client or MlflowClient()
    best = -1
    for key in client.get_run(run_id).data.metrics:
        for m in client.get_metric_history(run_id, key):
            best = max(best, int(m.step))
    if journal is not None and Path(journal).exists():
        for line in Path(journal).read_text().splitlines():
            if line.strip():
                best = max(best, int(json.loads(line)["s"]))
    return best


class ResilientLogger:
    """Log metrics/params/tags to a run without ever stopping the caller.

    Everything goes through a local journal (JSON lines); records are sent in batches and
    removed from the journal only once the server accepted them. While the server is
    unreachable the journal grows; the next successful ``flush`` sends it all, with the original
    timestamps and steps, so no point is lost. ``replay_journal`` sends a journal left behind by
    a killed process.
    """

    def __init__(self, run_id: str, journal_dir: str | os.PathLike | None = None,
                 client: MlflowClient | None = None, flush_every: float = 5.0):
        self.run_id = run_id
        self.client = client or MlflowClient()
        base = Path(journal_dir) if journal_dir else Path(tempfile.gettempdir()) / "npp-rl-journal"
        base.mkdir(parents=True, exist_ok=True)
        self.journal = base / f"{run_id}.jsonl"
        self.flush_every = flush_every
        self._last_flush = 0.0
        self.failures = 0
        self.connected = True
        self._retry_at = 0.0  # while the server is away, back off (5 s doubling to 60 s) between tries
        #: points at or below this step are dropped (a resumed run redoing steps the run already has)
        self.skip_through_step: int | None = None

    def log_metrics(self, metrics: dict[str, float], step: int) -> None:
        if self.skip_through_step is not None and int(step) <= self.skip_through_step:
            return
        ts = int(time.time() * 1000)
        with self.journal.open("a") as f:
            for k, v in metrics.items():
                if v is not None:
                    f.write(json.dumps({"k": k, "v": float(v), "t": ts, "s": int(step)}) + "\n")
        now = time.monotonic()
        if now - self._last_flush >= self.flush_every and now >= self._retry_at:
            self.flush()

    def flush(self) -> bool:
        """Send the journal; True when it is empty afterwards."""
        self._last_flush = time.monotonic()
        if not self.journal.exists():
            return True
        records = [json.loads(line) for line in self.journal.read_text().splitlines() if line.strip()]
        if not records:
            return True
        try:
            for i in range(0, len(records), 1000):
                chunk = records[i : i + 1000]
                self.client.log_batch(
                    self.run_id, metrics=[Metric(r["k"], r["v"], r["t"], r["s"]) for r in chunk]
                )
                # drop what was delivered so a later failure does not resend it
                rest = records[i + len(chunk):]
                self.journal.write_text("".join(json.dumps(r) + "\n" for r in rest))
        except Exception as exc:
            self.failures += 1
            self._retry_at = time.monotonic() + min(60.0, 5.0 * 2 ** min(self.failures - 1, 4))
            if self.connected:
                print(f"tracking server unreachable ({type(exc).__name__}); metrics kept in {self.journal} "
                      "and sent when it is back", file=sys.stderr)
            self.connected = False
            return False
        if not self.connected:
            print("tracking server back; journal flushed", file=sys.stderr)
        self.connected = True
        self.failures = 0
        self._retry_at = 0.0
        self.journal.unlink(missing_ok=True)
        return True

    def close(self, retries: int = 3, wait: float = 2.0) -> bool:
        for attempt in range(retries):
            if self.flush():
                return True
            if attempt + 1 < retries:
                time.sleep(wait)
        print(f"metrics not delivered; journal kept at {self.journal}", file=sys.stderr)
        return False
