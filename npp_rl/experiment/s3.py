"""Upload an experiment folder to S3 with boto3 and the caller's credentials, incrementally.

Credentials come from boto3's usual chain (environment, ``~/.aws``, an instance role); an
S3-compatible store is reached through ``MLFLOW_S3_ENDPOINT_URL`` or ``AWS_ENDPOINT_URL``. Only files
whose size or modification time changed since the last sync are uploaded; ``s3_manifest.json`` in
the folder lists every uploaded key with its size, MD5 and time, and is uploaded last.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

MANIFEST = "s3_manifest.json"


class S3Error(RuntimeError):
    """An S3 operation failed; the message names the bucket, the key and what S3 said (never secrets)."""


def endpoint_url() -> str | None:
    return os.environ.get("MLFLOW_S3_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL") or None


class S3Sync:
    """``sync()`` uploads new/changed files of ``root`` to ``s3://bucket/prefix/<root name>/``."""

    def __init__(self, bucket: str, prefix: str, root: str | Path, client=None):
        self.bucket = bucket
        self.root = Path(root)
        self.prefix = (prefix.strip("/") + "/" if prefix.strip("/") else "") + self.root.name + "/"
        self._client = client
        self._seen: dict[str, tuple[int, float]] = {}
        self.manifest: dict = {"bucket": bucket, "prefix": self.prefix, "endpoint": endpoint_url() or "aws",
                               "files": {}}
        mp = self.root / MANIFEST
        if mp.is_file():  # resuming: keep what was uploaded before
            try:
                self.manifest["files"] = json.loads(mp.read_text()).get("files", {})
            except ValueError:
                pass

    @property
    def client(self):
        if self._client is None:
            import boto3

            # a session of its own: boto3's default session keeps the credentials it resolved first
            # in this process, so a second experiment with other keys would reuse the old ones
            self._client = boto3.session.Session().client("s3", endpoint_url=endpoint_url())
        return self._client

    def url(self, rel: str = "") -> str:
        return f"s3://{self.bucket}/{self.prefix}{rel}"

    def check(self) -> None:
        """Fail early (before any training) when the bucket is unreachable or the credentials are refused."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "?")
            hint = {"404": "the bucket does not exist", "NoSuchBucket": "the bucket does not exist",
                    "403": "access denied: check the credentials and the IAM policy (docs/s3.md)"}.get(code, "")
            raise S3Error(f"--s3-bucket {self.bucket}: {code} {hint}".rstrip()) from None
        except BotoCoreError as e:
            raise S3Error(f"--s3-bucket {self.bucket}: {type(e).__name__}: {e}") from None

    def sync(self) -> int:
        """Upload what changed; returns the number of files uploaded."""
        from botocore.exceptions import BotoCoreError, ClientError

        n = 0
        for f in sorted(p for p in self.root.rglob("*") if p.is_file()):
            rel = f.relative_to(self.root).as_posix()
            if rel == MANIFEST:
                continue
            st = f.stat()
            key = (st.st_size, st.st_mtime)
            if self._seen.get(rel) == key:
                continue
            digest = hashlib.md5(f.read_bytes()).hexdigest()
            old = self.manifest["files"].get(rel)
            if old and old.get("md5") == digest:
                self._seen[rel] = key
                continue
            try:
                self.client.upload_file(str(f), self.bucket, self.prefix + rel)
            except (ClientError, BotoCoreError) as e:
                raise S3Error(f"upload of {f} to {self.url(rel)} failed: {e}") from None
            self._seen[rel] = key
            self.manifest["files"][rel] = {"key": self.prefix + rel, "size": st.st_size, "md5": digest,
                                           "uploaded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            n += 1
        self.manifest["synced_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        mp = self.root / MANIFEST
        mp.write_text(json.dumps(self.manifest, indent=2))
        try:
            self.client.upload_file(str(mp), self.bucket, self.prefix + MANIFEST)
        except (ClientError, BotoCoreError) as e:
            raise S3Error(f"upload of {mp} to {self.url(MANIFEST)} failed: {e}") from None
        return n
