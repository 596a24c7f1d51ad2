"""Basic auth for the stack's MLflow server (``npp-rl stack up --auth``).

MLflow's ``basic-auth`` app (``mlflow server --app-name basic-auth``, from the ``mlflow[auth]``
extra) answers 401 to any request without valid credentials (``/health`` stays open). On the first
start an admin password is generated and kept, 0600, in the stack folder::

    auth/admin-password    the admin's password (the admin user is ``admin``)
    auth/flask-secret      the server's session/CSRF key
    auth/basic_auth.ini    the app's settings: its user database, default permission (no secrets)
    auth/basic_auth.db     MLflow's user and permission store

The password reaches the server through its environment (``MLFLOW_AUTH_ADMIN_PASSWORD``), never its
command line; clients send it from ``MLFLOW_TRACKING_USERNAME``/``MLFLOW_TRACKING_PASSWORD``, which
``npp-rl stack env`` exports by reading the file (``"$(cat …)"``) so the password itself is never
printed. For anything beyond loopback put TLS in front (docs/security.md).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ADMIN_USER = "admin"
FOLDER = "auth"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file only its owner can read (0600 from the first byte)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def _secret_file(path: Path, nbytes: int = 24) -> str:
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(nbytes)
    write_private(path, value + "\n")
    return value


def password_file(stack_dir: Path) -> Path:
    return Path(stack_dir) / FOLDER / "admin-password"


def admin_password(stack_dir: Path) -> str:
    """The admin password, generated on first use."""
    return _secret_file(password_file(stack_dir))


def server_env(stack_dir: Path) -> dict[str, str]:
    """Environment of ``mlflow server --app-name basic-auth``: its settings file, admin and key."""
    folder = Path(stack_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    ini = folder / "basic_auth.ini"
    write_private(ini, "[mlflow]\n"
                       "default_permission = READ\n"
                       f"database_uri = sqlite:///{folder / 'basic_auth.db'}\n"
                       f"admin_username = {ADMIN_USER}\n"
                       "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n")
    return {"MLFLOW_AUTH_CONFIG_PATH": str(ini),
            "MLFLOW_AUTH_ADMIN_USERNAME": ADMIN_USER,
            "MLFLOW_AUTH_ADMIN_PASSWORD": admin_password(stack_dir),
            "MLFLOW_FLASK_SERVER_SECRET_KEY": _secret_file(folder / "flask-secret", 32)}


def client_env(stack_dir: Path) -> dict[str, str]:
    """What an MLflow client needs to authenticate (the real values, for in-process use)."""
    return {"MLFLOW_TRACKING_USERNAME": ADMIN_USER, "MLFLOW_TRACKING_PASSWORD": admin_password(stack_dir)}


def client_exports(stack_dir: Path) -> list[str]:
    """Shell lines that set the client's credentials; the password is read from its file, not printed."""
    return [f"export MLFLOW_TRACKING_USERNAME={ADMIN_USER}",
            f"export MLFLOW_TRACKING_PASSWORD=\"$(cat '{password_file(stack_dir)}')\""]
