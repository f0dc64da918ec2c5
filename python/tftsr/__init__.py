"""TFTSR's engine for Python: find PII and secrets in text, and redact them.

    >>> import tftsr
    >>> [f.type for f in tftsr.scan("mail bob@example.com from 10.1.2.3")]
    ['email', 'ipv4']
    >>> tftsr.redact("mail bob@example.com from 10.1.2.3")
    'mail [Email] from [IPv4]'

Offsets: ``Finding.start``/``end`` are character offsets into the ``str`` you passed
(``text[f.start:f.end]`` is the value); ``byte_start``/``byte_end`` are offsets into its UTF-8
encoding, which is what ``tftsr scan --format jsonl`` reports.

The module-level functions use the built-in configuration (every type on, no custom rules);
build an :class:`Engine` for a ``.tftsr.toml`` or a type filter. For columns of data (pandas,
Spark, Arrow) use :meth:`Engine.redact_arrow` and :meth:`Engine.scan_arrow`: one call per batch,
no Python code per row, the GIL released while the engine runs.

Pseudonyms (``style="pseudonym"``, ``[Email-3f9a1c2b7d4e5f6071]``) are keyed: the same value gives the same
token wherever the same key is used, e.g. on every executor of a Spark cluster. The key is a
secret: anyone holding it can test guesses ("is this token alice@example.com?"). Read it from a
secret manager or an environment variable (:func:`key_from_env`), never from code, job
arguments, Spark configuration or logs.
"""

from __future__ import annotations

import os
import secrets
import threading
from typing import TYPE_CHECKING, Any, Optional, Union

from ._native import ENGINE_VERSION, ConfigError, Engine, Finding

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow

__all__ = [
    "ConfigError",
    "Engine",
    "Finding",
    "KEY_ENV",
    "STYLES",
    "generate_key",
    "key_from_env",
    "redact",
    "redact_arrow",
    "scan",
    "scan_arrow",
]

__version__ = ENGINE_VERSION

#: The redaction styles, as ``tftsr redact --style`` takes them.
STYLES = ("tag", "mask", "partial", "pseudonym")

#: The environment variable :func:`key_from_env` reads by default.
KEY_ENV = "TFTSR_PSEUDONYM_KEY"

_default: Optional[Engine] = None
_lock = threading.Lock()


def _engine() -> Engine:
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = Engine()
    return _default


def scan(text: Union[str, bytes], *, values: bool = False) -> list[Finding]:
    """The findings in ``text`` with the built-in configuration (see :meth:`Engine.scan`)."""
    return _engine().scan(text, values=values)


def redact(
    text: Union[str, bytes], style: str = "tag", key: Union[bytes, str, None] = None
) -> Any:
    """``text`` redacted with the built-in configuration (see :meth:`Engine.redact`)."""
    return _engine().redact(text, style, key)


def scan_arrow(values: Any, *, fingerprints: bool = False) -> "pyarrow.Array":
    """Scans every row of an Arrow string array (see :meth:`Engine.scan_arrow`)."""
    return _engine().scan_arrow(values, fingerprints=fingerprints)


def redact_arrow(
    values: Any,
    style: str = "tag",
    key: Union[bytes, str, None] = None,
    *,
    return_types: bool = False,
) -> Any:
    """Redacts every row of an Arrow string array (see :meth:`Engine.redact_arrow`)."""
    return _engine().redact_arrow(values, style, key, return_types=return_types)


def key_from_env(name: str = KEY_ENV) -> str:
    """The pseudonym key from environment variable ``name`` (64 hex digits).

    Raises ``KeyError`` naming the variable (never its content) when it is unset or empty.
    """
    key = os.environ.get(name, "").strip()
    if not key:
        raise KeyError(
            f"environment variable {name} is not set: put the pseudonym key there "
            f"(64 hex digits, e.g. from `python3 -c 'import tftsr; print(tftsr.generate_key())'`)"
        )
    return key


def generate_key() -> str:
    """A new random pseudonym key, 64 hex digits. Store it as a secret; never log it."""
    return secrets.token_hex(32)
