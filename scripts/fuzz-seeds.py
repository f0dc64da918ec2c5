#!/usr/bin/env python3
"""Builds the fuzzers' seed corpora from the shared corpus: loghub lines (with values from the
peer-suite cases planted into them), the peer-suite cases themselves, and examples/app.log.

Usage: scripts/fuzz-seeds.py OUT_DIR [TARGET...]
Writes OUT_DIR/<target>/seed-NNNN for each target (all by default). Deterministic: the same
corpus gives the same seeds. Small on purpose (a few hundred files of at most a few KiB per
target): the fuzzer grows its own corpus from them. The committed hand-made seeds live in
fuzz/seeds/<target>/ and are passed to the fuzzer beside these.

The byte layouts match the check functions in tests/common/fuzz_{engine,server}.rs.
"""
import gzip
import json
import os
import random
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = ["scan", "redact", "config", "position", "lsp_document", "lsp_transport", "gzip_input"]


def corpus_dir():
    env = os.environ.get("TFTSR_CORPUS")
    cands = [env] if env else []
    cands += [os.path.join(ROOT, "..", "shared", "corpus", "loghub"), "/work/shared/corpus/loghub"]
    for d in cands:
        if d and os.path.isfile(os.path.join(d, "OpenSSH_2k.log")):
            return d
    sys.exit("fuzz-seeds: loghub corpus not found (set TFTSR_CORPUS to shared/corpus/loghub)")


LOGHUB = corpus_dir()
PEER = os.path.join(os.path.dirname(LOGHUB), "peer-suites", "cases.jsonl")
rng = random.Random(17)


def loghub_files():
    out = {}
    for name in sorted(os.listdir(LOGHUB)):
        if name.endswith(".log"):
            with open(os.path.join(LOGHUB, name), encoding="utf-8", errors="replace") as f:
                out[name] = f.read().splitlines()
    return out


def peer_cases():
    cases = []
    if os.path.isfile(PEER):
        with open(PEER, encoding="utf-8") as f:
            for line in f:
                cases.append(json.loads(line))
    return cases


FILES = loghub_files()
LINES = [l for ls in FILES.values() for l in ls]
CASES = peer_cases()
VALUES = [e["value"] for c in CASES if c["kind"] == "positive" for e in c.get("expected", []) if e.get("value")]
NEGATIVES = [c["text"] for c in CASES if c["kind"] == "negative"]
with open(os.path.join(ROOT, "examples", "app.log"), encoding="utf-8") as f:
    APP = f.read()

MULTIBYTE = ["José Müller", "用户 登录", "😀", "👩\u200d💻", "ünïcödé", "Ωμέγα"]


def planted_line():
    """A loghub line with a peer-suite value (or a hard negative) planted at a space."""
    line = rng.choice(LINES)
    what = rng.choice(VALUES if rng.random() < 0.8 or not NEGATIVES else NEGATIVES)
    spaces = [i for i, ch in enumerate(line) if ch == " "]
    at = rng.choice(spaces) if spaces else len(line)
    return f"{line[:at]} {what} {line[at:]}"


def text_seed(max_bytes=2048):
    """Consecutive loghub lines of one file, some with planted values, mixed line ends."""
    name = rng.choice(sorted(FILES))
    ls = FILES[name]
    start = rng.randrange(len(ls))
    parts = []
    size = 0
    for l in ls[start:start + rng.randint(1, 30)]:
        if rng.random() < 0.4:
            l = planted_line()
        if rng.random() < 0.1:
            l += " " + rng.choice(MULTIBYTE)
        end = rng.choice(["\n", "\n", "\n", "\r\n", "\r"])
        size += len(l.encode()) + len(end)
        if size > max_bytes:
            break
        parts.append(l + end)
    return "".join(parts) or planted_line() + "\n"


def app_pieces():
    lines = APP.splitlines(keepends=True)
    out = []
    for i in range(0, len(lines), 6):
        out.append("".join(lines[i:i + 6]))
    out.append(APP)
    return out


def texts(n):
    out = app_pieces()
    out += [text_seed() for _ in range(n)]
    # peer-suite cases, several per file
    cs = [c["text"] for c in CASES]
    for i in range(0, min(len(cs), 600), 12):
        out.append("\n".join(cs[i:i + 12]) + "\n")
    return [t.encode() for t in out]


def config_seeds():
    out = []
    with open(os.path.join(ROOT, "docs", "cli.md"), encoding="utf-8") as f:
        doc = f.read()
    block = doc.split("```toml\n", 1)[1].split("```", 1)[0] if "```toml\n" in doc else ""
    if block:
        out.append(block)
    ex = os.path.join(ROOT, "examples", ".tftsr.toml")
    if os.path.isfile(ex):
        with open(ex, encoding="utf-8") as f:
            out.append(f.read())
    ids = ["email", "phone", "ssn", "credit_card", "iban", "ipv4", "ipv6", "mac_address",
           "hostname", "url_credentials", "bearer_token", "jwt", "api_key", "password",
           "aws_access_key", "aws_secret_key", "github_token", "slack_token", "stripe_key",
           "google_api_key", "private_key"]
    def q(s):
        return json.dumps(s)  # a TOML basic string is JSON-compatible for these
    for i in range(60):
        v = rng.choice(VALUES)
        line = planted_line()
        kind = i % 6
        if kind == 0:
            out.append(f'[allowlist]\nvalues = [{q(v)}]\nregexes = [{q("x" + str(i) + ".*")}]\n')
        elif kind == 1:
            out.append(f'[[rules]]\nid = "r{i}"\nregex = \'\\bTKT-[0-9]{{4}}\\b\'\n'
                       f'examples = [{q("ticket TKT-1234 " + v)}]\nnegative_examples = [{q(line)}]\n')
        elif kind == 2:  # a value where a list belongs: the error must not quote it
            out.append(f'[allowlist]\nvalues = {q(v)}\n')
        elif kind == 3:  # an example the rule misses
            out.append(f'[[rules]]\nid = "miss{i}"\nregex = "NEVER[0-9]+"\nexamples = [{q(v)}]\n')
        elif kind == 4:
            out.append(f'[types]\nenable = [{q(rng.choice(ids))}, {q(rng.choice(ids))}]\n'
                       f'disable = [{q(rng.choice(ids))}]\n[severity]\n{rng.choice(ids)} = {q(v)}\n')
        else:
            out.append(f'[[rules]]\nid = "kw{i}"\nregex = {q(v.replace(chr(92), "").replace("(", "").replace("[", ""))}\n'
                       f'keywords = [{q(v[:3] or "x")}]\ntag = "[R{i}]"\nseverity = "hint"\n')
    return [t.encode() for t in out]


def document_seed():
    """Layout of check_document: [enc][len u16 LE][text][choices...]."""
    text = text_seed(1500).encode()[:2047]
    out = bytes([rng.randrange(2)]) + struct.pack("<H", len(text)) + text
    ops = bytearray()
    for _ in range(rng.randint(5, 40)):
        ops += bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return out + bytes(ops)


def frame(v):
    body = json.dumps(v).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def transport_seeds():
    uri = "file:///fuzz/app.log"
    out = []
    for i in range(40):
        text = text_seed(800)
        msgs = [
            {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
                "uri": f"file:///fuzz/{i}.log", "languageId": "log", "version": 1, "text": text}}},
            {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [{"range": {"start": {"line": 0, "character": rng.randint(0, 40)},
                                              "end": {"line": 0, "character": rng.randint(40, 60)}},
                                    "text": planted_line()}]}},
            {"jsonrpc": "2.0", "id": i, "method": "textDocument/codeAction", "params": {
                "textDocument": {"uri": uri},
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}},
                "context": {"diagnostics": []}}},
            {"jsonrpc": "2.0", "id": f"h{i}", "method": "textDocument/hover", "params": {
                "textDocument": {"uri": uri}, "position": {"line": 0, "character": 3}}},
            {"jsonrpc": "2.0", "id": 1000 + i, "method": "tftsr/documentText", "params": {"uri": uri}},
            {"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration", "params": {"settings": {
                "tftsr": {"redactionStyle": rng.choice(["tag", "mask", "partial"]),
                          "enabledTypes": rng.choice([None, ["email"], ["emial"]]), "debounceMs": 0}}}},
            {"jsonrpc": "2.0", "id": 2000 + i, "method": "shutdown"},
        ]
        rng.shuffle(msgs)
        mode = rng.choice([0, 1, 2, 3])
        if mode & 1:  # framed pieces: [header style][body] separated by \xfe\xfe
            pieces = [bytes([rng.randrange(4)]) + json.dumps(m).encode() for m in msgs]
            if rng.random() < 0.5:
                pieces.insert(rng.randrange(len(pieces) + 1), b"\x00{not json")
            out.append(bytes([mode]) + b"\xfe\xfe".join(pieces))
        else:  # raw stream, some with a wrong Content-Length or a broken header
            raw = b"".join(frame(m) for m in msgs)
            if rng.random() < 0.5:
                raw = raw.replace(b"Content-Length: ", b"Content-Length: 9", 1)
            if rng.random() < 0.3:
                raw = b"garbage without a header\r\n\r\n" + raw
            out.append(bytes([mode]) + raw)
    return out


def gzip_seeds():
    out = []
    for i in range(40):
        t = text_seed().encode()
        k = i % 5
        if k == 0:
            out.append(gzip.compress(t, 6, mtime=0))
        elif k == 1:
            h = len(t) // 2
            out.append(gzip.compress(t[:h], 1, mtime=0) + gzip.compress(t[h:], 9, mtime=0))
        elif k == 2:
            g = gzip.compress(t, 6, mtime=0)
            out.append(g[: rng.randrange(2, len(g))])  # truncated
        elif k == 3:
            out.append(t.replace(b" ", b"\xff", 1))  # plain, with invalid UTF-8
        else:
            out.append(t)
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    wanted = sys.argv[2:] or TARGETS
    text_set = None
    for t in wanted:
        if t in ("scan", "redact", "position"):
            text_set = text_set or texts(150)
            seeds = text_set
        elif t == "config":
            seeds = config_seeds()
        elif t == "lsp_document":
            seeds = [document_seed() for _ in range(120)]
        elif t == "lsp_transport":
            seeds = transport_seeds()
        elif t == "gzip_input":
            seeds = gzip_seeds()
        else:
            sys.exit(f"fuzz-seeds: unknown target {t}")
        d = os.path.join(out_dir, t)
        os.makedirs(d, exist_ok=True)
        for i, s in enumerate(seeds):
            with open(os.path.join(d, f"seed-{i:04d}"), "wb") as f:
                f.write(s)
        print(f"{t}: {len(seeds)} seeds in {d}")


if __name__ == "__main__":
    main()
