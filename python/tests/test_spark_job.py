"""examples/spark/redact_logs.py in Spark local mode over the planted loghub archive: the output
equals `tftsr redact` on the same files byte for byte and no planted value is left; run both as
`python3 redact_logs.py` (file rows) and through `spark-submit` (line rows, pseudonyms)."""

from __future__ import annotations

import csv
import gzip
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import tftsr

from conftest import REPO, cli_redact, decoded, plant

JOB = REPO / "examples/spark/redact_logs.py"

pytest.importorskip("pyspark")


# No Spark web UI: it would listen on port 4040 (or the next free one of 16) on a shared machine
# where other jobs may hold them; the tests need no port of their own.
NO_UI = ["--conf", "spark.ui.enabled=false"]


def run_job(cmd, *args, env=None, cwd):
    e = dict(os.environ, PYSPARK_PYTHON=sys.executable, **(env or {}))
    if os.path.basename(cmd[0]) == "spark-submit":
        cmd = [cmd[0], *NO_UI, *cmd[1:]]
    else:  # a job started by `python3`: pyspark passes these on when it launches its JVM
        e["PYSPARK_SUBMIT_ARGS"] = " ".join(NO_UI + ["pyspark-shell"])
    # cwd: a neutral directory, so no `tftsr/` source folder shadows the installed package.
    out = subprocess.run([*cmd, str(JOB), *args], env=e, cwd=cwd, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-4000:]
    return out


def output_of(out_root: Path, rel: str) -> bytes:
    b = (out_root / rel).read_bytes()
    if rel.endswith(".gz"):
        assert b[:2] == b"\x1f\x8b", f"{rel}: a .gz stays gzip"
        b = gzip.decompress(b)
    return b


def counts_table(out_root: Path) -> Counter:
    (part,) = (out_root / "_tftsr_counts").glob("part-*.csv")
    with part.open() as f:
        return Counter({(r["path"], r["type"]): int(r["count"]) for r in csv.DictReader(f)})


def test_file_rows_equal_the_cli_byte_for_byte(tmp_path, planted, tftsr_bin, empty_config):
    out = tmp_path / "out"
    run_job([sys.executable], "--input", str(planted.root), "--output", str(out), cwd=tmp_path)
    written = sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and "_tftsr_counts" not in p.parts
    )
    assert written == [planted.rel(p) for p in planted.files], "same relative paths, nothing else"
    for p in planted.files:
        rel = planted.rel(p)
        assert output_of(out, rel) == cli_redact(tftsr_bin, empty_config, p), f"{rel} differs from tftsr redact"
    left = [r for r in planted.records if r["value"].encode() in output_of(out, r["path"])]
    assert not left, f"{len(left)} planted values left, e.g. {[r['type'] for r in left[:5]]}"
    want = Counter()
    for p in planted.files:
        for f in tftsr.scan(decoded(p)):
            want[(planted.rel(p), f.type)] += 1
    assert counts_table(out) == want


def test_line_rows_through_spark_submit_with_pseudonyms(tmp_path_factory, tmp_path):
    # Multi-line values (PEM keys) cannot be seen whole line by line: that corpus has none.
    corpus = plant(tmp_path_factory, "--no-pem")
    key = tftsr.generate_key()
    out = tmp_path / "out"
    submit = shutil.which("spark-submit", path=str(Path(sys.executable).parent)) or "spark-submit"
    run_job(
        [submit, "--master", "local[2]"],
        "--input", str(corpus.root), "--output", str(out), "--unit", "line", "--style", "pseudonym",
        env={"TFTSR_PSEUDONYM_KEY": key},
        cwd=tmp_path,
    )
    tokens = Counter()
    for p in corpus.files:
        rel = corpus.rel(p)
        got = output_of(out, rel)
        # Line by line equals the whole file: no value in this corpus spans lines.
        assert got == tftsr.redact(decoded(p), "pseudonym", key), f"{rel} differs"
        tokens.update(t for t in got.split() if t.startswith(b"[Email-"))
    left = [r for r in corpus.records if r["value"].encode() in output_of(out, r["path"])]
    assert not left, f"{len(left)} planted values left"
    # The same address in different files (different tasks and Python workers) got one token.
    assert any(n > 1 for n in tokens.values())


def test_a_missing_key_is_a_clear_error_naming_the_variable(tmp_path, planted):
    e = dict(os.environ, PYSPARK_PYTHON=sys.executable)
    e.pop("TFTSR_PSEUDONYM_KEY", None)
    out = subprocess.run(
        [sys.executable, str(JOB), "--input", str(planted.root), "--output", str(tmp_path / "o"), "--style", "pseudonym"],
        env=e, cwd=tmp_path, capture_output=True, text=True,
    )
    assert out.returncode == 2 and "TFTSR_PSEUDONYM_KEY is not set" in out.stderr
