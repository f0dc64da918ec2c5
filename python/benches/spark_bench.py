#!/usr/bin/env python3
"""Throughput per core: the `tftsr` CLI, the Arrow batch path inside Spark local mode, and
Presidio's analyzer + anonymizer in the same Spark job on a sample. Prints the figures for
BENCHMARKS.md (and, with --json FILE, writes them as JSON).

    bash python/benches/run.sh [--mb 64] [--presidio-kb 256]

Per-core figures are bytes / CPU seconds, so they hold on a loaded machine better than wall
time (which is printed too):
- cli: `tftsr redact -q FILE -o OUT` on each file, the children's user+sys time;
- engine call in Spark: the thread CPU time of `Engine.redact_arrow` inside `mapInArrow`
  (line rows), summed over all batches: what the batch path costs inside Spark's Python worker;
- Spark job: `examples/spark/redact_logs.py` (file rows, `local[1]`), the CPU time of every
  process of the job (JVM, Python workers, driver), minus that of the same job on a one-file
  input, so the fixed cost of starting Spark is not counted against the data;
- Presidio vs tftsr, same Spark job, same sample: a `mapInArrow` over line rows that runs both
  on every batch, timing each with the thread CPU clock.

Input: the loghub corpus with planted values (`cargo run --example plant_corpus`), copied until
it reaches --mb MB (plain files; the original's .gz member is written decompressed).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_measured(cmd, **kw):
    c0, w0 = children_cpu(), time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{out.stderr[-3000:]}")
    return children_cpu() - c0, time.perf_counter() - w0, out


def build_input(plant_bin: Path, work: Path, mb: float) -> tuple[Path, int]:
    src = work / "planted"
    subprocess.run([str(plant_bin), str(src), str(work / "planted.jsonl")], check=True)
    files = []
    for p in sorted(src.rglob("*")):
        if p.is_file():
            b = p.read_bytes()
            if b[:2] == b"\x1f\x8b":
                b = gzip.decompress(b)
            files.append((p.relative_to(src).as_posix().removesuffix(".gz"), b))
    data = work / "logs"
    total, copy = 0, 0
    while total < mb * 1e6:
        for rel, b in files:
            dst = data / f"copy{copy:03}" / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(b)
            total += len(b)
        copy += 1
    shutil.rmtree(src)
    return data, total


def sample_dir(data: Path, work: Path, kb: int) -> tuple[Path, int]:
    """The first `kb` KiB of lines, taken round-robin from every log of the first copy."""
    texts = [p.read_bytes().split(b"\n") for p in sorted((data / "copy000").rglob("*")) if p.is_file()]
    out, n, i = [], 0, 0
    while n < kb * 1024:
        t = texts[i % len(texts)]
        line = t[(i // len(texts)) % len(t)]
        out.append(line)
        n += len(line) + 1
        i += 1
    d = work / "sample"
    d.mkdir()
    (d / "sample.log").write_bytes(b"\n".join(out) + b"\n")
    return d, n


# --- the Spark side (runs in a subprocess: `spark_bench.py --inner-job …`) --------------------


def inner_job(args) -> None:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.master(args.master).appName("tftsr-bench").getOrCreate()
    presidio = args.presidio

    def work(batches):
        import pyarrow as pa
        import pyarrow.compute as pc
        import tftsr

        engine = tftsr.Engine()
        an = anon = None
        if presidio:
            an, anon = presidio_engines()
        for batch in batches:
            col = batch.column("value")
            nbytes = pc.sum(pc.binary_length(col)).as_py() or 0
            t0 = time.thread_time()
            red = engine.redact_arrow(col)
            t1 = time.thread_time()
            p_cpu = 0.0
            if presidio:
                t2 = time.thread_time()
                # Spark's strings are unchecked bytes (the corpus has invalid UTF-8 on purpose).
                raw = pa.Array.from_buffers(pa.binary(), len(col), col.buffers(), col.null_count, col.offset)
                for b in raw.to_pylist():
                    text = (b or b"").decode("utf-8", "replace")
                    res = an.analyze(text, language="en")
                    anon.anonymize(text, res)
                p_cpu = time.thread_time() - t2
            assert len(red) == len(col)
            yield pa.RecordBatch.from_pydict(
                {"bytes": [nbytes], "tftsr_cpu": [t1 - t0], "presidio_cpu": [p_cpu], "rows": [len(col)]}
            )

    df = spark.read.option("lineSep", "\n").option("recursiveFileLookup", "true").text(args.input)
    rows = df.mapInArrow(work, "bytes long, tftsr_cpu double, presidio_cpu double, rows long").collect()
    res = {k: sum(r[k] for r in rows) for k in ["bytes", "tftsr_cpu", "presidio_cpu", "rows"]}
    print("RESULT " + json.dumps(res))
    spark.stop()


def presidio_engines():
    """Presidio's analyzer with a blank spaCy English pipeline (tokenizer only: no trained model
    installs from PyPI here, so no NER-based recognizer finds anything) and its anonymizer with
    the default operator (`<ENTITY_TYPE>`)."""
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_anonymizer import AnonymizerEngine

    # The e-mail recognizer's tldextract would fetch the public suffix list over the network;
    # use the snapshot it ships.
    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class BlankSpacy(SpacyNlpEngine):
        def load(self):
            self.nlp = {"en": spacy.blank("en")}

    nlp = BlankSpacy(models=[{"lang_code": "en", "model_name": "blank"}])
    nlp.load()
    return AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"]), AnonymizerEngine()


# --- the harness ------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=64, help="input size for CLI and tftsr-in-Spark (MB)")
    ap.add_argument("--presidio-kb", type=int, default=256, help="sample for the Presidio comparison (KiB)")
    ap.add_argument("--tftsr", default=str(REPO / "target/release/tftsr"))
    ap.add_argument("--plant", default=str(REPO / "target/release/examples/plant_corpus"))
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("--inner-job", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--input", help=argparse.SUPPRESS)
    ap.add_argument("--master", default="local[1]", help=argparse.SUPPRESS)
    ap.add_argument("--presidio", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.inner_job:
        return inner_job(args)

    import tftsr

    env = dict(os.environ, PYSPARK_PYTHON=sys.executable)
    work = Path(tempfile.mkdtemp(prefix="tftsr-spark-bench-"))
    try:
        data, total = build_input(Path(args.plant), work, args.mb)
        files = sorted(p for p in data.rglob("*") if p.is_file())
        mb = total / 1e6
        print(f"input: {mb:.1f} MB in {len(files)} files (loghub + planted values)")
        empty_cfg = work / "empty.toml"
        empty_cfg.write_text("")

        # 1. The CLI, one process per file, one core.
        out = work / "cli-out"
        cpu = wall = 0.0
        for p in files:
            dst = out / p.relative_to(data)
            dst.parent.mkdir(parents=True, exist_ok=True)
            c, w, _ = run_measured([args.tftsr, "redact", "-q", "-c", str(empty_cfg), str(p), "-o", str(dst)])
            cpu, wall = cpu + c, wall + w
        # One process per file pays the start-up (engine compilation) per file; the same data as
        # one file is the CLI's streaming rate, the fair per-core reference.
        whole = work / "whole.log"
        with whole.open("wb") as f:
            for p in files:
                f.write(p.read_bytes())
        c1, w1, _ = run_measured([args.tftsr, "redact", "-q", "-c", str(empty_cfg), str(whole), "-o", str(work / "whole.out")])
        whole.unlink()
        cli = {"cpu_s": c1, "wall_s": w1, "mb_per_core_s": mb / c1,
               "per_file_cpu_s": cpu, "per_file_mb_per_core_s": mb / cpu}
        print(f"cli `tftsr redact FILE -o OUT`, all data in one file: {cli['mb_per_core_s']:.1f} MB/s per core "
              f"(cpu {c1:.2f} s, wall {w1:.2f} s); one process per file: {mb / cpu:.1f} MB/s per core (cpu {cpu:.2f} s)")

        # 2. The batch path inside Spark (line rows), thread CPU of the engine call.
        _, w, o = run_measured([sys.executable, __file__, "--inner-job", "--input", str(data)], env=env, cwd=work)
        r = json.loads(o.stdout.split("RESULT ", 1)[1].splitlines()[0])
        call = {"bytes": r["bytes"], "rows": r["rows"], "cpu_s": r["tftsr_cpu"],
                "mb_per_core_s": r["bytes"] / 1e6 / r["tftsr_cpu"]}
        print(f"engine call in Spark (redact_arrow in mapInArrow, line rows): {call['mb_per_core_s']:.1f} MB/s per core "
              f"({r['rows']} rows, {r['bytes'] / 1e6:.1f} MB of line text, cpu {r['tftsr_cpu']:.2f} s)")

        # 3. The whole job, local[1], marginal CPU over a one-file run.
        job = REPO / "examples/spark/redact_logs.py"
        tiny = work / "tiny"
        (tiny / "a").mkdir(parents=True)
        (tiny / "a" / "x.log").write_bytes(files[0].read_bytes()[:1000])
        c0, w0, _ = run_measured([sys.executable, str(job), "--master", "local[1]", "--input", str(tiny),
                                  "--output", str(work / "tiny-out")], env=env, cwd=work)
        c1, w1, _ = run_measured([sys.executable, str(job), "--master", "local[1]", "--input", str(data),
                                  "--output", str(work / "spark-out")], env=env, cwd=work)
        # Wall time, not CPU: the JVM and the Python workers are not reaped by the driver, so
        # getrusage(RUSAGE_CHILDREN) does not see their CPU. Meaningful on a quiet machine only.
        spark_job = {"wall_s": w1 - w0, "startup_wall_s": w0, "mb_per_s_one_core_wall": mb / (w1 - w0)}
        print(f"Spark job (redact_logs.py, file rows, local[1], wall, startup subtracted): "
              f"{spark_job['mb_per_s_one_core_wall']:.1f} MB/s on one core (wall {w1 - w0:.2f} s; "
              f"startup wall {w0:.1f} s; quiet machine only)")
        same = all(
            (work / "spark-out" / p.relative_to(data)).read_bytes() == (out / p.relative_to(data)).read_bytes()
            for p in files
        )
        print(f"Spark output equals the CLI's byte for byte: {same}")

        # 4. Presidio and tftsr side by side in one Spark job on a sample.
        sdir, sbytes = sample_dir(data, work, args.presidio_kb)
        _, w, o = run_measured([sys.executable, __file__, "--inner-job", "--presidio", "--input", str(sdir)],
                               env=env, cwd=work)
        r = json.loads(o.stdout.split("RESULT ", 1)[1].splitlines()[0])
        side = {"bytes": r["bytes"], "rows": r["rows"],
                "tftsr_mb_per_core_s": r["bytes"] / 1e6 / r["tftsr_cpu"],
                "presidio_mb_per_core_s": r["bytes"] / 1e6 / r["presidio_cpu"],
                "presidio_kb_per_core_s": r["bytes"] / 1e3 / r["presidio_cpu"]}
        print(f"same Spark job, {r['bytes'] / 1e3:.0f} KB sample ({r['rows']} lines): tftsr "
              f"{side['tftsr_mb_per_core_s']:.1f} MB/s per core, Presidio analyzer+anonymizer "
              f"{side['presidio_kb_per_core_s']:.1f} KB/s per core "
              f"(×{side['tftsr_mb_per_core_s'] / side['presidio_mb_per_core_s']:.0f})")

        ratio_call = call["mb_per_core_s"] / cli["mb_per_core_s"]
        print(f"inside Spark vs CLI per core: engine call {ratio_call:.0%} (target ≥ 50 %); whole job: compare "
              f"its one-core wall rate with the CLI's wall rate {mb / cli['wall_s']:.1f} MB/s")
        versions = {"tftsr": tftsr.__version__}
        for m in ["pyspark", "pyarrow", "presidio_analyzer", "spacy"]:
            try:
                from importlib.metadata import version

                versions[m] = version(m.replace("_", "-"))
            except Exception:
                pass
        print("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
        if args.json:
            Path(args.json).write_text(json.dumps(
                {"input_mb": mb, "cli": cli, "engine_call_in_spark": call, "spark_job": spark_job,
                 "presidio_side_by_side": side, "spark_output_equals_cli": same, "versions": versions},
                indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
