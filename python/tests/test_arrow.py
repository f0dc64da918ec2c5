"""The Arrow batch path equals the per-string path, row by row, for every array type; it runs
without the GIL; a million-row batch stays in bounded memory."""

from __future__ import annotations

import subprocess
import sys
import threading
import textwrap

import pyarrow as pa
import pytest
import tftsr

from conftest import decoded


@pytest.fixture(scope="module")
def lines(planted):
    out = []
    for p in planted.files:
        out.extend(decoded(p).split(b"\n"))
    return out


def as_array(rows, typ):
    if typ in (pa.string(), pa.large_string()):
        # Rows with invalid UTF-8 go in as they are, as Spark hands them over (pyarrow's
        # `from_buffers` does not validate); the result must keep those bytes too.
        b = pa.array(rows, pa.large_binary() if typ == pa.large_string() else pa.binary())
        return pa.Array.from_buffers(typ, len(b), b.buffers(), b.null_count)
    return pa.array(rows, typ)


@pytest.mark.parametrize("typ", [pa.string(), pa.large_string(), pa.binary(), pa.large_binary()])
def test_redact_arrow_equals_redact_per_row(lines, typ):
    rows = lines + [None, b"", b"\xff\xfe bob@example.com"]
    arr = as_array(rows, typ)
    for style in ["tag", "partial"]:
        red, types = tftsr.redact_arrow(arr, style, return_types=True)
        assert red.type == typ and len(red) == len(rows)
        got = pa.Array.from_buffers(pa.large_binary() if "large" in str(typ) else pa.binary(),
                                    len(red), red.buffers(), red.null_count).to_pylist()
        want = [None if r is None else tftsr.redact(r, style) for r in rows]
        assert got == want
        want_types = [[] if r is None else [f.type for f in tftsr.scan(r)] for r in rows]
        assert types.to_pylist() == want_types


def test_scan_arrow_equals_scan_per_row(lines):
    text_rows = [l.decode("utf-8") for l in lines if _utf8(l)] + [None]
    arr = pa.array(text_rows, pa.string())
    got = tftsr.scan_arrow(arr, fingerprints=True).to_pylist()
    for row, found in zip(text_rows, got):
        if row is None:
            assert found is None
            continue
        want = [
            dict(type=f.type, start=f.start, end=f.end, byte_start=f.byte_start,
                 byte_end=f.byte_end, fingerprint=f.fingerprint)
            for f in tftsr.scan(row)
        ]
        assert found == want
    assert sum(len(f) for f in got if f) > 4000
    assert all(f["fingerprint"] is None for fs in tftsr.scan_arrow(arr).to_pylist() if fs for f in fs)


def _utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def test_sliced_chunked_and_empty_arrays(lines):
    rows = [l.decode("utf-8", "replace") for l in lines[:5000]]
    arr = pa.array(rows)
    sl = arr.slice(1234, 777)
    assert tftsr.redact_arrow(sl).to_pylist() == [tftsr.redact(r) for r in rows[1234:2011]]
    ch = pa.chunked_array([arr.slice(0, 10), arr.slice(10, 0), arr.slice(10, 90)])
    red = tftsr.redact_arrow(ch)
    assert isinstance(red, pa.ChunkedArray) and red.num_chunks == 3
    assert red.to_pylist() == [tftsr.redact(r) for r in rows[:100]]
    red, types = tftsr.redact_arrow(ch, return_types=True)
    assert isinstance(types, pa.ChunkedArray) and len(types) == 100
    scanned = tftsr.scan_arrow(ch)
    assert isinstance(scanned, pa.ChunkedArray) and len(scanned) == 100
    empty = pa.chunked_array([], pa.string())
    assert len(tftsr.redact_arrow(empty)) == 0 and tftsr.redact_arrow(empty).type == pa.string()
    assert len(tftsr.scan_arrow(pa.array([], pa.string()))) == 0


def test_wrong_arrays_raise_clear_errors():
    with pytest.raises(TypeError, match="expected an Arrow array of type string.*got Int64"):
        tftsr.redact_arrow(pa.array([1, 2]))
    with pytest.raises(TypeError, match="expected a pyarrow Array"):
        tftsr.redact_arrow(["a list", "of str"])
    with pytest.raises(ValueError, match="needs a key"):
        tftsr.redact_arrow(pa.array(["x"]), "pseudonym")


def test_pseudonyms_in_batches_match_per_string():
    key = tftsr.generate_key()
    rows = ["bob@example.com logged in", "10.1.2.3 then bob@example.com"]
    got = tftsr.redact_arrow(pa.array(rows), "pseudonym", key).to_pylist()
    assert got == [tftsr.redact(r, "pseudonym", key) for r in rows]
    assert got[0].split()[0] == got[1].split()[2]


def test_batches_run_without_the_gil(lines):
    # A long switch interval: without a release inside the call, the other thread could not
    # run at all during it; with it, the other thread runs while the engine works.
    arr = pa.array([l.decode("utf-8", "replace") for l in lines] * 4)
    ticks = 0
    go, stop = threading.Event(), threading.Event()

    def spin():
        nonlocal ticks
        go.wait()
        while not stop.is_set():
            ticks += 1

    t = threading.Thread(target=spin)
    t.start()
    old = sys.getswitchinterval()
    sys.setswitchinterval(0.5)
    try:
        go.set()
        before = ticks
        tftsr.redact_arrow(arr)
        during = ticks - before
    finally:
        stop.set()
        sys.setswitchinterval(old)
        t.join()
    assert during > 0, "another Python thread ran while redact_arrow worked"


def test_a_million_rows_in_bounded_memory(lines, tmp_path):
    # Its own process, so the peak RSS measured is this batch's alone.
    sample = tmp_path / "lines.txt"
    sample.write_bytes(b"\n".join(l for l in lines if _utf8(l) and l))
    script = textwrap.dedent(
        f"""
        import resource, pyarrow as pa, tftsr
        base = pa.array(open({str(sample)!r}, encoding="utf-8").read().split("\\n"), pa.string())
        # Built in Arrow memory (no list of a million str): the peak before the call is the
        # input itself, so what the call adds is measured.
        arr = pa.concat_arrays([base] * (1_000_000 // len(base) + 1)).slice(0, 1_000_000)
        arr = pa.concat_arrays([arr])
        del base
        size = arr.nbytes
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        red, types = tftsr.redact_arrow(arr, return_types=True)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(size, before, peak, len(red), red.null_count, len(types))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, check=True, capture_output=True, text=True
    )
    size, before, peak, n, nulls, ntypes = map(int, out.stdout.split())
    assert n == ntypes == 1_000_000 and nulls == 0
    assert size > 50 << 20, "a realistic batch: tens of MB of log lines"
    grown = peak - before
    # The output is about the input's size (replacements are short), plus the type lists;
    # nothing per row in Python (a million str objects alone would be more than the batch).
    assert grown < 1.5 * size + (64 << 20), f"peak grew by {grown >> 20} MiB for a {size >> 20} MiB batch"
