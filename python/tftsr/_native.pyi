"""Typed interface of the native extension (re-exported by :mod:`tftsr`)."""

from typing import Any, Literal, Optional, Sequence, Union, overload

import pyarrow

Style = Literal["tag", "mask", "partial", "pseudonym"]
Key = Union[bytes, str, None]

ENGINE_VERSION: str

class ConfigError(ValueError):
    """A ``.tftsr.toml`` or a type filter is invalid.

    The message names the file, line and key (or the argument) at fault, never a value.
    """

class Finding:
    """One sensitive value found in a text. Its ``repr`` never shows the value."""

    @property
    def type(self) -> str:
        """Stable type id: ``email``, ``credit_card``, … or a custom rule's id."""
    @property
    def start(self) -> int:
        """Character offset of the value in the scanned ``str`` (inclusive)."""
    @property
    def end(self) -> int:
        """Character offset just past the value: ``text[f.start:f.end]`` is the value."""
    @property
    def byte_start(self) -> int:
        """Byte offset of the value in the UTF-8 encoding (inclusive)."""
    @property
    def byte_end(self) -> int:
        """Byte offset just past the value in the UTF-8 encoding (exclusive)."""
    @property
    def fingerprint(self) -> str:
        """SHA-256 hex of the value, as ``tftsr scan --format jsonl`` reports it."""
    @property
    def value(self) -> Optional[str]:
        """The value itself when scanned with ``values=True``, else ``None``."""
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class Engine:
    """A configured scanner: build once, use from any number of threads.

    ``Engine()`` is the built-in configuration (every type on, no custom rules), as
    ``tftsr scan`` without a ``.tftsr.toml``. ``types`` keeps only those type ids,
    ``exclude_types`` drops some (as ``--types`` / ``--exclude-types``); an unknown id raises
    :class:`ConfigError`.
    """

    def __init__(
        self,
        *,
        types: Optional[Sequence[str]] = None,
        exclude_types: Optional[Sequence[str]] = None,
    ) -> None: ...
    @staticmethod
    def from_toml(
        text: str,
        *,
        path: Optional[str] = None,
        types: Optional[Sequence[str]] = None,
        exclude_types: Optional[Sequence[str]] = None,
    ) -> "Engine":
        """An engine from the text of a ``.tftsr.toml`` (types, severities, custom rules,
        allowlists). ``path`` names the file in error messages only.

        Raises :class:`ConfigError` naming the line and key of the first problem.
        """
    @property
    def types(self) -> list[str]:
        """The type ids this engine reports (built-in and custom rules), sorted."""
    def scan(self, text: Union[str, bytes], *, values: bool = False) -> list[Finding]:
        """The findings in ``text``, in order, non-overlapping.

        For ``bytes`` that are not valid UTF-8, each valid run is scanned on its own and
        ``start``/``end`` count characters of ``text.decode("utf-8", "replace")``.
        ``values=True`` fills :attr:`Finding.value` (keep it out of logs).
        Raises ``TypeError`` for other types, ``ValueError`` for a ``str`` with lone surrogates.
        """
    @overload
    def redact(self, text: str, style: Style = "tag", key: Key = None) -> str: ...
    @overload
    def redact(self, text: bytes, style: Style = "tag", key: Key = None) -> bytes:
        """The redacted copy of ``text``, exactly what ``tftsr redact --style STYLE`` writes
        for the same input and configuration. ``bytes`` in, ``bytes`` out, with invalid UTF-8
        copied unchanged.

        ``style="pseudonym"`` needs ``key``: 32 bytes, or a ``str`` of 64 hex digits (see
        :func:`tftsr.key_from_env`). Raises ``ValueError`` for an unknown style or a bad key
        (never showing the key).
        """
    def scan_arrow(
        self, values: Union[pyarrow.Array, pyarrow.ChunkedArray, Any], *, fingerprints: bool = False
    ) -> Any:
        """Scans every row of a ``string``/``large_string``/``binary``/``large_binary`` array
        in one call, with the GIL released.

        Returns a ``pyarrow`` array (a ``ChunkedArray`` for a ``ChunkedArray``) of type
        ``large_list<struct<type: string, start: int64, end: int64, byte_start: int64,
        byte_end: int64, fingerprint: string>>``, one list per row, null for a null row;
        ``fingerprint`` is null unless ``fingerprints=True``.
        """
    @overload
    def redact_arrow(
        self,
        values: Union[pyarrow.Array, pyarrow.ChunkedArray, Any],
        style: Style = "tag",
        key: Key = None,
        *,
        return_types: Literal[False] = False,
    ) -> Any: ...
    @overload
    def redact_arrow(
        self,
        values: Union[pyarrow.Array, pyarrow.ChunkedArray, Any],
        style: Style = "tag",
        key: Key = None,
        *,
        return_types: Literal[True],
    ) -> tuple[Any, Any]:
        """Redacts every row in one call, with the GIL released: an array of the input's type
        (nulls stay null), each row equal to :meth:`redact` of it.

        With ``return_types=True`` also a ``list<string>`` array of the type ids replaced in
        each row, in order (for counts by type without a second scan).
        """
