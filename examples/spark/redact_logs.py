#!/usr/bin/env python3
"""Redact a directory of logs with Apache Spark and TFTSR's engine.

    spark-submit examples/spark/redact_logs.py --input DIR --output DIR
    python3 examples/spark/redact_logs.py --input DIR --output DIR        # local mode

Reads every file under --input (plain text or gzip, recursively), redacts it with the `tftsr`
Python package inside `mapInArrow` (one engine call per Arrow batch, no Python code per line),
and writes the redacted copy under --output with the same relative path (a `.gz` stays gzip),
plus a table of counts per file and type (CSV, default `OUTPUT/_tftsr_counts/`; also printed).

Units of work (--unit):
  file  (default) one row per file. The output is byte for byte what `tftsr redact FILE` writes
        (multi-line values such as PEM private keys included, invalid UTF-8 kept). A file must
        fit in a task's memory (Spark's binaryFile reader limits a file to 2 GiB).
  line  one row per line (`spark.read.text`), so one large file is split across tasks. Each line
        is redacted on its own: a value spanning lines (a PEM private key) is NOT found in this
        mode. Lines are written back in their original order; a final newline is kept as in the
        input for plain files and assumed for compressed ones.

Pseudonyms (--style pseudonym) need a key, read on the driver from the environment variable
named by --key-env (default TFTSR_PSEUDONYM_KEY) and shipped to the executors inside the task
closure, so every executor gives the same value the same token. Never pass the key as an
argument or Spark configuration (both show in the Spark UI and event logs).

Every executor needs the `tftsr` wheel installed (pip install tftsr-*.whl, or ship a virtual
environment with --archives); --output must be a file system every executor can write to
(a local path in local mode; HDFS or an object store on a cluster, through pyarrow.fs).
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
from collections import Counter
from urllib.parse import unquote, urlparse

import pyarrow as pa
import pyarrow.fs as pafs

COUNTS_SCHEMA = "path string, type string, count long"


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", required=True, help="directory of logs (read recursively)")
    ap.add_argument("--output", required=True, help="directory for the redacted copies")
    ap.add_argument("--unit", choices=["file", "line"], default="file", help="one row per file (default) or per line")
    ap.add_argument("--style", choices=["tag", "mask", "partial", "pseudonym"], default="tag")
    ap.add_argument("--key-env", default="TFTSR_PSEUDONYM_KEY", help="environment variable holding the pseudonym key (64 hex digits)")
    ap.add_argument("--config", help="a .tftsr.toml (types, custom rules, allowlists)")
    ap.add_argument("--counts", help="where to write the counts table (default OUTPUT/_tftsr_counts)")
    ap.add_argument("--master", help="Spark master when not set by spark-submit (default local[*])")
    return ap.parse_args(argv)


# --- paths ------------------------------------------------------------------------------------


def path_of(uri: str) -> str:
    """The path part of a Hadoop/Spark file URI (`file:/a/b`, `file:///a/b`, `hdfs://nn/a/b`)."""
    return unquote(urlparse(uri).path) if ":" in uri.split("/", 1)[0] else uri


def relative(file_uri: str, root: str) -> str:
    p, r = path_of(file_uri), path_of(root).rstrip("/")
    if not p.startswith(r + "/"):
        raise ValueError("a file outside the input directory")  # never the path: it may be data
    return p[len(r) + 1 :]


def output_fs(output: str):
    """(file system, root path) for --output: a URI (hdfs://, s3://, …) or a local path."""
    if "://" in output:
        return pafs.FileSystem.from_uri(output)
    return pafs.LocalFileSystem(), os.path.abspath(output)


class AtomicWriter:
    """Writes one output file through a temporary file and a rename, so a failed or retried task
    never leaves a half-written log; gzip-compressed if the name ends in `.gz` (as `tftsr redact
    -o NAME.gz`)."""

    def __init__(self, fs, path: str):
        self.fs, self.path = fs, path
        parent, name = path.rsplit("/", 1)
        fs.create_dir(parent, recursive=True)
        self.tmp = f"{parent}/.{name}.tftsr-tmp"
        self.raw = fs.open_output_stream(self.tmp)
        self.out = (
            gzip.GzipFile(fileobj=self.raw, mode="wb", mtime=0, filename="")
            if name.lower().endswith(".gz")
            else self.raw
        )

    def write(self, data: bytes) -> None:
        self.out.write(data)

    def close(self) -> None:
        if self.out is not self.raw:
            self.out.close()
        self.raw.close()
        self.fs.move(self.tmp, self.path)


# --- the engine on the executors --------------------------------------------------------------

_engines: dict = {}


def engine_for(config_text):
    """One engine per Python worker and configuration (building one compiles the detectors)."""
    import tftsr

    if config_text not in _engines:
        _engines[config_text] = (
            tftsr.Engine() if config_text is None else tftsr.Engine.from_toml(config_text)
        )
    return _engines[config_text]


def redact_files(batches, *, root, output, style, key, config_text):
    """mapInArrow over binaryFile rows (path, content): redacts each file and writes it; yields
    the counts per (path, type)."""
    engine = engine_for(config_text)
    fs, out_root = output_fs(output)
    for batch in batches:
        paths = batch.column("path").to_pylist()
        contents = []
        for blob in batch.column("content").to_pylist():
            # gzip by magic bytes, as `tftsr redact` decides (multi-member streams included).
            contents.append(gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob)
        red, types = engine.redact_arrow(
            pa.array(contents, pa.large_binary()), style, key, return_types=True
        )
        del contents
        rows = {"path": [], "type": [], "count": []}
        for uri, text, kinds in zip(paths, red.to_pylist(), types.to_pylist()):
            rel = relative(uri, root)
            w = AtomicWriter(fs, f"{out_root}/{rel}")
            w.write(text)
            w.close()
            for t, n in sorted(Counter(kinds).items()):
                rows["path"].append(rel)
                rows["type"].append(t)
                rows["count"].append(n)
        yield pa.RecordBatch.from_pydict(
            rows, schema=pa.schema([("path", pa.string()), ("type", pa.string()), ("count", pa.int64())])
        )


def redact_lines(batches, *, style, key, config_text):
    """mapInArrow over text rows: the `value` column redacted in one engine call per batch, plus
    the type ids replaced in each row."""
    engine = engine_for(config_text)
    for batch in batches:
        red, types = engine.redact_arrow(batch.column("value"), style, key, return_types=True)
        cols = {n: batch.column(n) for n in batch.schema.names if n != "value"}
        yield pa.RecordBatch.from_arrays(
            [*cols.values(), red, types], names=[*cols.keys(), "value", "types"]
        )


COMPRESSED = (".gz", ".bz2", ".zst", ".lz4", ".snappy", ".deflate")


def write_lines(batches, *, root, output):
    """mapInArrow over redacted lines, partitioned by file and sorted by position: streams each
    file's lines, in order, into its output file; yields the counts per (path, type). Columnar
    throughout: each batch is cut into runs of one file and each run joined by Arrow compute."""
    import pyarrow.compute as pc

    fs, out_root = output_fs(output)
    in_fs = pafs.FileSystem.from_uri(root)[0] if "://" in root else pafs.LocalFileSystem()
    rows = {"path": [], "type": [], "count": []}
    state = {"uri": None, "writer": None, "counts": Counter(), "first": True}

    def finish():
        uri, w = state["uri"], state["writer"]
        if uri is None:
            return
        # Spark's line reader does not say whether the last line had a newline: look at the
        # input's last byte (plain files); a compressed file is assumed to end with one.
        src = path_of(uri)
        ends_nl = True
        if not src.lower().endswith(COMPRESSED):
            size = in_fs.get_file_info(src).size
            if size:
                with in_fs.open_input_file(src) as f:
                    f.seek(size - 1)
                    ends_nl = f.read(1) == b"\n"
        if ends_nl:
            w.write(b"\n")
        w.close()
        rel = relative(uri, root)
        for t, n in sorted(state["counts"].items()):
            rows["path"].append(rel)
            rows["type"].append(t)
            rows["count"].append(n)

    for batch in batches:
        n = batch.num_rows
        if n == 0:
            continue
        paths = batch.column("file_path")
        # Rows are bytes as Spark holds them (its strings are not checked UTF-8).
        v = batch.column("value")
        values = pa.Array.from_buffers(pa.binary(), len(v), v.buffers(), v.null_count, v.offset)
        types = batch.column("types")
        change = pc.indices_nonzero(pc.not_equal(paths.slice(1), paths.slice(0, n - 1)))
        cuts = [0] + [c + 1 for c in change.to_pylist()] + [n]
        for a, b in zip(cuts, cuts[1:]):
            uri = paths[a].as_py()
            if uri != state["uri"]:
                finish()
                rel = relative(uri, root)
                state.update(uri=uri, writer=AtomicWriter(fs, f"{out_root}/{rel}"), counts=Counter(), first=True)
            seg = pc.fill_null(values.slice(a, b - a), b"")
            joined = pc.binary_join(
                pa.ListArray.from_arrays(pa.array([0, b - a], pa.int32()), seg), b"\n"
            )[0].as_py()
            state["writer"].write(joined if state["first"] else b"\n" + joined)
            state["first"] = False
            for vc in pc.value_counts(types.slice(a, b - a).flatten()).to_pylist():
                state["counts"][vc["values"]] += vc["counts"]
    finish()
    yield pa.RecordBatch.from_pydict(
        rows, schema=pa.schema([("path", pa.string()), ("type", pa.string()), ("count", pa.int64())])
    )


def write_empty_files(root: str, output: str) -> None:
    """Spark's line reader gives no row for an empty file: copy those (empty) too."""
    in_fs, base = pafs.FileSystem.from_uri(root)
    fs, out_root = output_fs(output)
    for info in in_fs.get_file_info(pafs.FileSelector(base, recursive=True)):
        name = info.path.rsplit("/", 1)[-1]
        if info.type == pafs.FileType.File and info.size == 0 and not name.startswith((".", "_")):
            rel = info.path[len(base.rstrip("/")) + 1 :]
            if fs.get_file_info(f"{out_root}/{rel}").type == pafs.FileType.NotFound:
                AtomicWriter(fs, f"{out_root}/{rel}").close()


# --- the driver -------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    # Python workers run the interpreter running this script (where tftsr is installed),
    # unless the deployment says otherwise.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession, functions as F

    key = None
    if args.style == "pseudonym":
        import tftsr

        try:
            key = tftsr.key_from_env(args.key_env)
        except KeyError as e:
            print(f"redact_logs: {e.args[0]}", file=sys.stderr)
            return 2
    config_text = None
    if args.config:
        import tftsr

        with open(args.config, encoding="utf-8") as f:
            config_text = f.read()
        try:
            tftsr.Engine.from_toml(config_text, path=args.config)  # fail now, not in a task
        except tftsr.ConfigError as e:
            print(f"redact_logs: {e}", file=sys.stderr)
            return 2

    builder = SparkSession.builder.appName("tftsr-redact-logs")
    from pyspark import SparkConf

    if args.master or not SparkConf().contains("spark.master"):
        builder = builder.master(args.master or "local[*]")
    spark = builder.getOrCreate()
    root = args.input if "://" in args.input else "file://" + os.path.abspath(args.input)
    counts_path = args.counts or args.output.rstrip("/") + "/_tftsr_counts"

    if args.unit == "file":
        # Few files per Arrow batch: each row is a whole file.
        spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "8")
        files = (
            spark.read.format("binaryFile")
            .option("recursiveFileLookup", "true")
            .load(root)
            .select("path", "content")
        )
        counts = files.mapInArrow(
            lambda it: redact_files(
                it, root=root, output=args.output, style=args.style, key=key, config_text=config_text
            ),
            COUNTS_SCHEMA,
        )
    else:
        print(
            "redact_logs: --unit line redacts each line on its own: values spanning lines "
            "(PEM private keys) are not found; use --unit file for those",
            file=sys.stderr,
        )
        lines = (
            spark.read.option("recursiveFileLookup", "true")
            .option("lineSep", "\n")
            .text(root)
            .select(
                "value",
                F.col("_metadata.file_path").alias("file_path"),
                F.col("_metadata.file_block_start").alias("block"),
                # Increasing within a partition, i.e. within each file block: the line order.
                F.monotonically_increasing_id().alias("seq"),
            )
        )
        redacted = lines.mapInArrow(
            lambda it: redact_lines(it, style=args.style, key=key, config_text=config_text),
            "file_path string, block long, seq long, value string, types array<string>",
        )
        ordered = redacted.repartition("file_path").sortWithinPartitions("file_path", "block", "seq")
        counts = ordered.mapInArrow(
            lambda it: write_lines(it, root=root, output=args.output), COUNTS_SCHEMA
        )

    # One action: the redaction runs (and writes) while the counts are collected.
    table = [tuple(r) for r in counts.collect()]
    if args.unit == "line":
        write_empty_files(root, args.output)
    table.sort()
    spark.createDataFrame(table, COUNTS_SCHEMA).coalesce(1).write.mode("overwrite").csv(
        counts_path, header=True
    )
    total = Counter()
    for _, t, n in table:
        total[t] += n
    files = len({p for p, _, _ in table})
    print(f"redact_logs: redacted {sum(total.values())} values in {files} files (with findings) into {args.output}")
    for t, n in sorted(total.items()):
        print(f"  {t:<16} {n}")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
