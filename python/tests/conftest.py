"""Shared fixtures: the `tftsr` binary, the loghub corpus and a planted copy of it.

Located the way the Rust tests locate them (tests/common/corpus.rs): `TFTSR_CORPUS`, else
`shared/corpus/loghub` beside the checkout. The binary is `TFTSR_BIN`, else the workspace's
debug build; the planted corpus is written by `cargo run --example plant_corpus` (built by
python/test.sh; `TFTSR_PLANT_BIN` points at it).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _existing(p: Path, what: str) -> Path:
    if not p.exists():
        pytest.fail(f"{what} not found at {p}: run python/test.sh (it builds and sets it)")
    return p


@pytest.fixture(scope="session")
def loghub_dir() -> Path:
    env = os.environ.get("TFTSR_CORPUS")
    if env:
        return _existing(Path(env), "TFTSR_CORPUS")
    return _existing(REPO.parent / "shared" / "corpus" / "loghub", "loghub corpus")


@pytest.fixture(scope="session")
def tftsr_bin() -> Path:
    return _existing(Path(os.environ.get("TFTSR_BIN", REPO / "target/debug/tftsr")), "tftsr")


@pytest.fixture(scope="session")
def empty_config(tmp_path_factory) -> Path:
    """An explicit empty `.tftsr.toml`, so the CLI cannot pick up a file above the temp dir."""
    p = tmp_path_factory.mktemp("cfg") / ".tftsr.toml"
    p.write_text("")
    return p


class Planted:
    def __init__(self, root: Path, manifest: Path):
        self.root = root
        self.records = [json.loads(l) for l in manifest.read_text().splitlines() if l]
        self.files = sorted(p for p in root.rglob("*") if p.is_file())

    def rel(self, p: Path) -> str:
        return p.relative_to(self.root).as_posix()


def plant(tmp_path_factory, *flags: str) -> Planted:
    exe = _existing(
        Path(os.environ.get("TFTSR_PLANT_BIN", REPO / "target/debug/examples/plant_corpus")),
        "plant_corpus",
    )
    d = tmp_path_factory.mktemp("planted")
    root, manifest = d / "logs", d / "planted.jsonl"
    subprocess.run([str(exe), str(root), str(manifest), *flags], check=True)
    return Planted(root, manifest)


@pytest.fixture(scope="session")
def planted(tmp_path_factory) -> Planted:
    """The loghub corpus with planted values of every type, as an archive (subdirs, .gz, CRLF,
    no final newline, invalid UTF-8)."""
    return plant(tmp_path_factory)


def decoded(p: Path) -> bytes:
    """The content of a corpus file as the CLI reads it (gzip by magic bytes)."""
    b = p.read_bytes()
    return gzip.decompress(b) if b[:2] == b"\x1f\x8b" else b


def cli_redact(tftsr_bin: Path, config: Path, p: Path, style: str = "tag") -> bytes:
    """What `tftsr redact` writes for file `p` (to stdout: plain, even for a .gz input)."""
    out = subprocess.run(
        [str(tftsr_bin), "redact", "-q", "-c", str(config), "--style", style, str(p)],
        check=True,
        capture_output=True,
    )
    return out.stdout
