"""The one place secrets are hidden before anything is logged, tagged, printed or written.

``redact_uri`` hides the password of any URI (``scheme://user:password@host`` ->
``scheme://user:***@host``: HTTP(S) tracking URIs, SQLAlchemy database URIs, S3 URLs) and the
values of secret-looking query parameters (``?password=``, ``token=``, ``secret=``, ``key=``...).
``redact`` applies it to every URI inside a string, and recursively to mappings and sequences.
``RedactingFilter`` does the same to log records.
"""

from __future__ import annotations

import logging
import re
import urllib.parse
from collections.abc import Mapping

MASK = "***"
#: a URI inside free text: scheme://... up to whitespace or a quote
_URI_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>`]+")
_SECRET_KEYS = re.compile(r"pass|secret|token|key|credential|auth|signature", re.IGNORECASE)


def redact_uri(uri: str) -> str:
    """``uri`` with its password and secret query values masked; unchanged when it holds none."""
    try:
        parts = urllib.parse.urlsplit(uri)
    except ValueError:
        return _fallback(uri)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        if ":" in userinfo:
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}:{MASK}@{hostport}"
    query = parts.query
    if query:
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        if any(_SECRET_KEYS.search(k) for k, _ in pairs):
            query = "&".join(f"{k}={MASK if _SECRET_KEYS.search(k) else v}" for k, v in pairs)
    if netloc == parts.netloc and query == parts.query:
        return uri
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _fallback(uri: str) -> str:
    return re.sub(r"(://[^:/@\s]+:)[^@\s]+@", rf"\g<1>{MASK}@", uri)


def redact_text(text: str) -> str:
    """Every URI inside ``text`` redacted."""
    if "://" not in text:
        return text
    return _URI_IN_TEXT.sub(lambda m: redact_uri(m.group(0)), text)


def redact(value):
    """Strings redacted; mappings and lists/tuples recursively; anything else unchanged."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact(v) for v in value)
    return value


class RedactingFilter(logging.Filter):
    """Redacts URIs in a log record's message (attach to handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:
            return True
        clean = redact_text(msg)
        if clean != msg:
            record.msg, record.args = clean, None
        return True


_FILTER = RedactingFilter()


def install_log_filter(*names: str) -> None:
    """Attach the filter to every handler of the root logger and of the named loggers (idempotent)."""
    for name in ("", *names):
        for h in logging.getLogger(name).handlers:
            if _FILTER not in h.filters:
                h.addFilter(_FILTER)
