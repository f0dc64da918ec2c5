"""The package says what the CLI says: same findings, same redacted bytes, on the whole loghub
corpus with planted values of every type (subdirectories, .gz, CRLF, invalid UTF-8 included)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
from collections import Counter

import pytest
import tftsr

from conftest import cli_redact, decoded


# The CLI's fingerprints are keyed (HMAC-SHA-256 under the user's key, never the plain SHA-256
# of a value): a fixed key here, so the test can compute them for the package's findings.
FINGERPRINT_KEY = "5eed" * 16


def keyed(value: bytes) -> str:
    return hmac.new(bytes.fromhex(FINGERPRINT_KEY), value, hashlib.sha256).hexdigest()


def sub_view(raw: bytes) -> bytes:
    """The text the CLI fingerprints: each byte of an invalid UTF-8 sequence as SUB (0x1a), so
    offsets stay the file's byte offsets (`Engine::scan_bytes`)."""
    s = raw.decode("utf-8", "surrogateescape")
    return "".join("\x1a" if "\udc80" <= c <= "\udcff" else c for c in s).encode("utf-8")


def cli_findings(tftsr_bin, config, paths):
    out = subprocess.run(
        [str(tftsr_bin), "scan", "-q", "-f", "jsonl", "-c", str(config), *map(str, paths)],
        env={**os.environ, "TFTSR_FINGERPRINT_KEY": FINGERPRINT_KEY},
        capture_output=True,
    )
    # Exit status 1 means "findings": both 0 and 1 are a successful scan.
    assert out.returncode in (0, 1), out.stderr.decode(errors="replace")
    return [json.loads(l) for l in out.stdout.splitlines()]


def test_same_findings_as_the_cli_on_the_whole_corpus(tftsr_bin, empty_config, planted, loghub_dir):
    pristine = sorted(loghub_dir.glob("*.log"))
    paths = planted.files + pristine
    by_cli = Counter()
    for rec in cli_findings(tftsr_bin, empty_config, paths):
        by_cli[(rec["path"], rec["type"], rec["start"], rec["end"], rec["fingerprint"])] += 1
    by_py = Counter()
    for p in paths:
        text = decoded(p)
        view = sub_view(text)
        for f in tftsr.scan(text):
            value = view[f.byte_start : f.byte_end]
            by_py[(str(p), f.type, f.byte_start, f.byte_end, keyed(value))] += 1
    assert len(by_cli) > 4000, "the planted corpus gives thousands of findings"
    missing, extra = by_cli - by_py, by_py - by_cli
    assert not missing and not extra, (
        f"{sum(missing.values())} findings only from the CLI, e.g. {list(missing)[:3]}; "
        f"{sum(extra.values())} only from the package, e.g. {list(extra)[:3]}"
    )
    types = {k[1] for k in by_py}
    assert types >= {t for t in tftsr.Engine().types}, "every type planted and found"


@pytest.mark.parametrize("style", ["tag", "mask", "partial"])
def test_redact_equals_the_cli_byte_for_byte(tftsr_bin, empty_config, planted, style):
    for p in planted.files:
        want = cli_redact(tftsr_bin, empty_config, p, style)
        got = tftsr.redact(decoded(p), style)
        assert got == want, f"{planted.rel(p)}: --style {style} differs from the CLI"
        if style == "tag":
            # And the str API agrees with the bytes API wherever the file is valid UTF-8.
            try:
                text = decoded(p).decode("utf-8")
            except UnicodeDecodeError:
                continue
            assert tftsr.redact(text, style).encode() == want


def test_no_planted_value_is_left(planted):
    out = {p: tftsr.redact(decoded(p)) for p in planted.files}
    by_rel = {planted.rel(p): o for p, o in out.items()}
    left = [r for r in planted.records if r["value"].encode() in by_rel[r["path"]]]
    assert len(planted.records) > 3000
    assert not left, f"{len(left)} planted values left, e.g. types {[r['type'] for r in left[:5]]}"


def test_config_file_gives_the_same_findings_as_cli_with_it(tftsr_bin, planted, tmp_path):
    cfg = tmp_path / ".tftsr.toml"
    cfg.write_text(
        """
[types]
disable = ["hostname"]

[[rules]]
id = "session_id"
regex = 'sess-[0-9a-f]{8}'
tag = "[Session]"
examples = ["sess-0badcafe"]

[allowlist]
values = ["10.0.0.1"]
"""
    )
    engine = tftsr.Engine.from_toml(cfg.read_text(), path=str(cfg))
    p = next(f for f in planted.files if f.name == "OpenSSH_2k.log")
    text = decoded(p) + b"login sess-12ab34cd from 10.0.0.1 host db1.corp.internal\n"
    src = tmp_path / "in.log"
    src.write_bytes(text)
    assert engine.redact(text) == cli_redact(tftsr_bin, cfg, src)
    found = {f.type for f in engine.scan(text)}
    assert "session_id" in found and "hostname" not in found
    assert b"[Session]" in engine.redact(text)
