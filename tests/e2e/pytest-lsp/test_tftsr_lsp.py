"""End-to-end tests of the real `tftsr lsp` with pytest-lsp (swyddfa) + pygls.

The server is started from $SERVER_CMD (shell words; run.sh sets it to the built `tftsr lsp`).
Every `client` test runs once per capability profile bundled with pytest-lsp, so the server sees
the exact `initialize` capabilities Neovim 0.7 / 0.11, VS Code 1.65 and Emacs 29.1 eglot send.
The `raw_*` tests talk JSON-RPC over the server's stdio by hand, for what a well-behaved
client library cannot send (malformed frames, bad params).
"""
import asyncio
import hashlib
import hmac
import json
import os
import pathlib
import queue
import shlex
import subprocess
import threading
import time

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

FX = json.loads(pathlib.Path(os.environ["E2E_FIXTURE"]).read_text(encoding="utf-8"))


def fingerprint(value: str) -> str:
    """A value's fingerprint: HMAC-SHA-256 under TFTSR_FINGERPRINT_KEY (set by lib.sh)."""
    key = bytes.fromhex(os.environ["TFTSR_FINGERPRINT_KEY"])
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
LINES, FINDINGS = FX["lines"], FX["findings"]
TEXT = "\n".join(LINES) + "\n"
QF = FX["quickfix"]
PROFILES = ["neovim@v0.7.0", "neovim@v0.11.0", "visual-studio-code@v1.65.2", "emacs@v29.1"]
# Waits are progress-based (tests/common/progress.rs does the same for the Rust tests): a wait goes
# on while the server uses CPU time or sends something, and fails after NO_PROGRESS seconds of
# neither (an idle server that has not answered never will), or after HARD_CAP in all.
NO_PROGRESS = 90.0
HARD_CAP = 30 * 60.0
POLL = 0.02


def cpu_time(pid: int):
    """User + system CPU seconds of a process (from /proc/<pid>/stat); None once it is gone."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 1:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Progress:
    """Watches one server process for one wait; check() raises once it stalled."""

    def __init__(self, pid: int, what: str):
        self.pid, self.what = pid, what
        self.cpu = cpu_time(pid)
        self.started = self.last_change = time.monotonic()

    def mark(self):
        self.last_change = time.monotonic()

    def check(self, state=""):
        cpu = cpu_time(self.pid)
        if cpu != self.cpu:
            self.cpu, self.last_change = cpu, time.monotonic()
        now = time.monotonic()
        if now - self.last_change > NO_PROGRESS:
            raise AssertionError(f"gave up waiting for {self.what}: the server (pid {self.pid}) made no "
                                 f"progress for {NO_PROGRESS:.0f} s (CPU {self.cpu} s){state}")
        if now - self.started > HARD_CAP:
            raise AssertionError(f"gave up waiting for {self.what} after {HARD_CAP:.0f} s{state}")


def server_pid(client: LanguageClient) -> int:
    return client._server.pid  # pygls keeps the asyncio subprocess it started here


async def progressed(client: LanguageClient, aw, what: str):
    """Awaits a request's result for as long as the server makes progress."""
    task = asyncio.ensure_future(aw)
    p = Progress(server_pid(client), what)
    while True:
        done, _ = await asyncio.wait({task}, timeout=0.2)
        if done:
            return task.result()
        try:
            p.check()
        except AssertionError:
            task.cancel()
            raise


def server_command():
    return shlex.split(os.environ["SERVER_CMD"])


@pytest_lsp.fixture(config=ClientServerConfig(server_command=server_command()), params=PROFILES)
async def client(lsp_client: LanguageClient, request):
    tmp = request.getfixturevalue("tmp_path")
    caps = client_capabilities(request.param)
    lsp_client.applied_edits = []

    @lsp_client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams):
        lsp_client.applied_edits.append(params.edit)
        return types.ApplyWorkspaceEditResult(applied=True)

    # VS Code and Emacs 29 allow dynamic registration: the server registers its .tftsr.toml watcher
    lsp_client.registrations = []

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams):
        lsp_client.registrations.extend(params.registrations)

    @lsp_client.feature(types.CLIENT_UNREGISTER_CAPABILITY)
    def unregister(params: types.UnregistrationParams):
        return None

    (tmp / "ws").mkdir()
    lsp_client.profile = request.param
    lsp_client.ws = tmp / "ws"
    lsp_client.init_result = await progressed(lsp_client, lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri=lsp_client.ws.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=lsp_client.ws.as_uri(), name="ws")],
            client_info=types.ClientInfo(name=f"pytest-lsp as {request.param}"),
            # a store per test: the issue commands must not see another test's issues
            initialization_options={"tftsr": {"databasePath": str(tmp / "tftsr.db")}},
        )
    ), "the initialize response")
    yield
    # shutdown + exit must end the server even with a server->client request in flight (e.g. the
    # registerCapability sent from `initialized`): a progress-based wait turns a hang into a failure
    await progressed(lsp_client, lsp_client.shutdown_session(),
                     f"the server to exit after shutdown + exit ({request.param})")


# ---------------------------------------------------------------- helpers


def column(line: str, cp_index: int, encoding: str) -> int:
    """Code-point index -> LSP column in the given position encoding."""
    if encoding == "utf-8":
        return len(line[:cp_index].encode("utf-8"))
    if encoding == "utf-16":
        return len(line[:cp_index].encode("utf-16-le")) // 2
    return cp_index


def to_cp(line: str, col: int, encoding: str) -> int:
    for i in range(len(line) + 1):
        if column(line, i, encoding) == col:
            return i
    raise AssertionError(f"column {col} is not a {encoding} boundary in {line!r}")


def apply_edits(text: str, edits, encoding: str) -> str:
    lines = text.split("\n")
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        s, t = e.range.start, e.range.end
        assert s.line == t.line, f"unexpected multi-line edit {e}"
        ln = lines[s.line]
        lines[s.line] = ln[: to_cp(ln, s.character, encoding)] + e.new_text + ln[to_cp(ln, t.character, encoding):]
    return "\n".join(lines)


def redacted(pred) -> str:
    lines = list(LINES)
    for f in FINDINGS:
        if pred(f):
            lines[f["line"]] = lines[f["line"]].replace(f["text"], f["tag"], 1)
    return "\n".join(lines) + "\n"


def encoding_of(client: LanguageClient) -> str:
    enc = client.init_result.capabilities.position_encoding or "utf-16"
    return str(enc.value if hasattr(enc, "value") else enc)


def offered(client: LanguageClient) -> list:
    g = client.capabilities.general
    return [str(getattr(e, "value", e)) for e in ((g and g.position_encodings) or [])]


def resolves_edits(client: LanguageClient) -> bool:
    ca = client.capabilities.text_document and client.capabilities.text_document.code_action
    return bool(ca and ca.resolve_support and "edit" in ca.resolve_support.properties)


def edits_for(edit: types.WorkspaceEdit, uri: str):
    assert edit is not None
    return (edit.changes or {}).get(uri) or [
        e for dc in (edit.document_changes or []) if dc.text_document.uri == uri for e in dc.edits]


async def wait_diags(client: LanguageClient, uri: str, pred, what: str):
    p = Progress(server_pid(client), what)
    last = None
    while True:
        d = client.diagnostics.get(uri)
        if d is not None and pred(d):
            return d
        if d is not last:  # a new publishDiagnostics arrived (not yet the one we want)
            last = d
            p.mark()
        p.check(f"; last diagnostics: {d}")
        await asyncio.sleep(POLL)


async def open_doc(client: LanguageClient, name="sample.log", text=TEXT, n=len(FINDINGS)) -> str:
    path = client.ws / name
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="log", version=1, text=text)))
    await wait_diags(client, uri, lambda d: len(d) == n, f"{n} diagnostics after didOpen")
    return uri


def change_full(client: LanguageClient, uri: str, version: int, text: str):
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


async def command(client: LanguageClient, name: str, arg):
    return await progressed(client, client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=[arg])), f"the result of {name}")


async def code_actions(client, uri, rng, only=None, diagnostics=()):
    return await progressed(client, client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=rng,
        context=types.CodeActionContext(diagnostics=list(diagnostics), only=only))),
        "the code actions") or []


async def with_edit(client: LanguageClient, action: types.CodeAction) -> types.CodeAction:
    """The action's edit, resolving it when the server sent it lazily (only allowed if the client
    advertised codeAction.resolveSupport {edit})."""
    if action.edit is None:
        assert resolves_edits(client), (
            f"{action.title!r} came without an edit, but {client.profile} cannot resolve edits")
        action = await progressed(client, client.code_action_resolve_async(action), "codeAction/resolve")
    assert action.edit is not None, f"{action.title!r} has no edit even after codeAction/resolve"
    assert action.edit.changes, "edits must be plain WorkspaceEdit.changes (docs/lsp-protocol.md)"
    return action


# ---------------------------------------------------------------- per-profile tests


async def test_position_encoding_negotiated(client: LanguageClient):
    enc, offer = encoding_of(client), offered(client)
    # UTF-16 unless the client offers UTF-8; never something the client did not offer
    assert enc == ("utf-8" if "utf-8" in offer else "utf-16"), f"offered {offer}, server chose {enc}"
    assert enc in offer or (not offer and enc == "utf-16")


async def test_diagnostics_exact(client: LanguageClient):
    enc = encoding_of(client)
    uri = await open_doc(client)
    got = sorted((d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character,
                  d.code) for d in client.diagnostics[uri])
    want = []
    for f in FINDINGS:
        line = LINES[f["line"]]
        i = line.index(f["text"])
        want.append((f["line"], column(line, i, enc), f["line"], column(line, i + len(f["text"]), enc), f["type"]))
    assert got == sorted(want), f"ranges in {enc}"
    by_pos = {(d.range.start.line, d.range.start.character): d for d in client.diagnostics[uri]}
    for f, w in zip(FINDINGS, want):
        d = by_pos[(w[0], w[1])]
        assert d.severity == types.DiagnosticSeverity(f["severity"]), f["type"]
        assert d.source == "tftsr"
        assert f["label"] in d.message and f["text"] not in d.message, d.message
        assert d.data["type"] == f["type"]
        assert d.data["fingerprint"] == fingerprint(f["text"]), "HMAC-SHA-256 under the run's key"
        assert d.data["fingerprint"] != hashlib.sha256(f["text"].encode()).hexdigest()
        assert d.data["version"] == 1
        assert f["text"] not in json.dumps(d.data)


async def test_quickfix_redacts_finding(client: LanguageClient):
    enc = encoding_of(client)
    uri = await open_doc(client)
    diag = next(d for d in client.diagnostics[uri] if d.range.start.line == QF["line"] and d.code == QF["type"])
    actions = await code_actions(client, uri, diag.range, only=[types.CodeActionKind.QuickFix], diagnostics=[diag])
    titles = [a.title for a in actions]
    for t in (QF["title"], QF["typeTitle"], FX["redactAllTitle"], "Ignore this value"):
        assert t in titles, f"{t!r} missing from {titles}"
    # lsprotocol 2025.0.0 structures any CodeAction carrying a `command` (e.g. "Ignore this value") as
    # a bare Command and drops its kind, so only CodeAction items can be checked for their kind here
    assert all(a.kind == types.CodeActionKind.QuickFix for a in actions if isinstance(a, types.CodeAction)), (
        "only=[quickfix] not honoured")
    one = next(a for a in actions if a.title == QF["title"])
    assert one.is_preferred
    one = await with_edit(client, one)
    new = apply_edits(TEXT, edits_for(one.edit, uri), enc)
    assert new == redacted(lambda f: f["line"] == QF["line"] and f["type"] == QF["type"])
    # "Redact all <Label> in file" touches every finding of that type and nothing else
    kind = await with_edit(client, next(a for a in actions if a.title == QF["typeTitle"]))
    assert apply_edits(TEXT, edits_for(kind.edit, uri), enc) == redacted(lambda f: f["type"] == QF["type"])
    # the client applies the quickfix: the server drops exactly that finding
    change_full(client, uri, 2, new)
    left = await wait_diags(client, uri, lambda d: len(d) == len(FINDINGS) - 1 and all(
        x.data["version"] == 2 for x in d), "one diagnostic less at version 2")
    assert not any(d.range.start.line == QF["line"] and d.code == QF["type"] for d in left)


async def test_redact_all_pii(client: LanguageClient):
    enc = encoding_of(client)
    uri = await open_doc(client)
    start = types.Position(line=0, character=0)
    actions = await code_actions(client, uri, types.Range(start=start, end=start), only=["source.fixAll.tftsr"])
    assert [(a.title, a.kind) for a in actions] == [(FX["redactAllTitle"], "source.fixAll.tftsr")]
    action = await with_edit(client, actions[0])
    new = apply_edits(TEXT, edits_for(action.edit, uri), enc)
    assert new == redacted(lambda f: True)
    change_full(client, uri, 2, new)
    await wait_diags(client, uri, lambda d: len(d) == 0, "no diagnostics once everything is redacted")


async def test_redact_document_command(client: LanguageClient):
    enc = encoding_of(client)
    uri = await open_doc(client)
    res = await command(client, "tftsr.redactDocument", {"uri": uri})
    assert res["applied"] is True and res["redactions"] == len(FINDINGS), res
    assert len(client.applied_edits) == 1, "the edit goes to the client with workspace/applyEdit"
    assert apply_edits(TEXT, edits_for(client.applied_edits[0], uri), enc) == redacted(lambda f: True)


async def test_commands(client: LanguageClient):
    uri = await open_doc(client)
    cmds = client.init_result.capabilities.execute_command_provider.commands
    for c in ("tftsr.createIssue", "tftsr.listIssues", "tftsr.attachToIssue", "tftsr.redactDocument",
              "tftsr.documentStats", "tftsr.scanFile", "tftsr.ignoreValue", "tftsr.searchIssues", "tftsr.getIssue"):
        assert c in cmds
    stats = await command(client, "tftsr.documentStats", {"uri": uri})
    by = {}
    for f in FINDINGS:
        by[f["type"]] = by.get(f["type"], 0) + 1
    assert stats == {"findings": len(FINDINGS), "byType": by}
    issue = await command(client, "tftsr.createIssue", {"title": f"e2e {client.profile}", "severity": "high"})
    assert issue["title"] == f"e2e {client.profile}" and issue["severity"] == "high" and issue["status"] == "open"
    listed = await command(client, "tftsr.listIssues", {})
    assert [i["id"] for i in listed] == [issue["id"]]
    att = await command(client, "tftsr.attachToIssue", {"uri": uri, "issueId": issue["id"]})
    assert att["issueId"] == issue["id"] and att["findings"] == len(FINDINGS), att
    assert att["contentHash"] == hashlib.sha256(TEXT.encode()).hexdigest(), "contentHash = sha256 of the text"
    detail = await command(client, "tftsr.getIssue", {"id": issue["id"]})
    assert [(lf["id"], lf["file_name"], lf["content_hash"]) for lf in detail["log_files"]] == [
        (att["logFileId"], "sample.log", att["contentHash"])]
    db = client.ws.parent / "tftsr.db"  # databasePath from initializationOptions
    assert db.exists() and not db.read_bytes()[:16].startswith(b"SQLite format 3"), "store must be encrypted"
    assert LINES[0].encode() not in db.read_bytes(), "log text stored in clear"


async def test_bad_requests_get_errors_and_server_lives(client: LanguageClient):
    uri = await open_doc(client)
    with pytest.raises(Exception, match=r"(?i)unknown|not found|unsupported|no such|invalid|tftsr.noSuchCommand"):
        await command(client, "tftsr.noSuchCommand", {})
    with pytest.raises(Exception):
        await command(client, "tftsr.documentStats", {"uri": "file:///nowhere/never-opened.log"})
    with pytest.raises(Exception):
        await command(client, "tftsr.createIssue", {"severity": "high"})  # no title
    # still serving, document intact
    stats = await command(client, "tftsr.documentStats", {"uri": uri})
    assert stats["findings"] == len(FINDINGS)


async def test_out_of_range_edit_is_rejected(client: LanguageClient):
    enc = encoding_of(client)
    uri = await open_doc(client)
    bad = types.Range(start=types.Position(line=40, character=0), end=types.Position(line=41, character=3))
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangePartial(range=bad, text="bob@example.org ")]))
    # then a valid incremental edit: insert an e-mail after the multi-byte prefix of line 1
    line = LINES[1]
    at = line.index("alice")
    pos = types.Position(line=1, character=column(line, at, enc))
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
        content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=pos, end=pos),
                                                                text="bob@example.org ")]))
    # the document is what the valid edit alone makes of it: one more e-mail, every range exact
    new_line = line[:at] + "bob@example.org " + line[at:]
    diags = await wait_diags(client, uri, lambda d: len(d) == len(FINDINGS) + 1,
                             "the valid edit's new finding")
    on1 = sorted((d.range.start.character, d.range.end.character, d.code) for d in diags if d.range.start.line == 1)
    want = []
    for text, typ in [("bob@example.org", "email")] + [(f["text"], f["type"]) for f in FINDINGS if f["line"] == 1]:
        i = new_line.index(text)
        want.append((column(new_line, i, enc), column(new_line, i + len(text), enc), typ))
    assert on1 == sorted(want)
    stats = await command(client, "tftsr.documentStats", {"uri": uri})
    assert stats["findings"] == len(FINDINGS) + 1


# ---------------------------------------------------------------- raw stdio (profile-independent)


class Raw:
    """A bare JSON-RPC peer on the server's stdio."""

    def __init__(self, tmp_path):
        env = dict(os.environ, TFTSR_DATA_DIR=str(tmp_path))
        self.stderr_path = tmp_path / "server.stderr"  # a file: an unread pipe could block the server
        with open(self.stderr_path, "wb") as err:
            self.p = subprocess.Popen(server_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=err, env=env)
        self.q = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def send_bytes(self, b: bytes):
        self.p.stdin.write(b)
        self.p.stdin.flush()

    def send(self, msg: dict):
        body = json.dumps(dict(msg, jsonrpc="2.0")).encode()
        self.send_bytes(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def _read(self):
        # a thread, not select(): select on the pipe misses data already in the reader's buffer
        while True:
            headers = {}
            while True:
                line = self.p.stdout.readline()
                if not line:
                    self.q.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                k, v = line.decode().split(":", 1)
                headers[k.lower()] = v.strip()
            self.q.put(json.loads(self.p.stdout.read(int(headers["content-length"]))))

    def recv(self) -> dict:
        p = Progress(self.p.pid, "a message from the server")
        while True:
            try:
                m = self.q.get(timeout=0.2)
                break
            except queue.Empty:
                p.check()
        assert m is not None, f"server closed its stdout (stopped serving); exit status {self.p.poll()}"
        return m

    def wait_exit(self) -> int:
        p = Progress(self.p.pid, "the server to exit")
        while self.p.poll() is None:
            p.check()
            time.sleep(POLL)
        return self.p.returncode

    def response(self, mid):
        while True:
            m = self.recv()
            if m.get("id") == mid and "method" not in m:
                return m
            if "method" in m and "id" in m:  # a server->client request: answer null
                self.send({"id": m["id"], "result": None})

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait(5)


@pytest.fixture
def raw(tmp_path):
    r = Raw(tmp_path)
    yield r
    r.close()


def test_raw_malformed_json_then_initialize(raw):
    raw.send_bytes(b"Content-Length: 12\r\n\r\n{not json!!}")
    raw.send({"id": 1, "method": "initialize", "params": {"capabilities": {}, "processId": None}})
    m = raw.recv()
    if m.get("id") is None and "error" in m:  # a parse-error response for the garbage is allowed
        assert m["error"]["code"] == -32700, m
        m = raw.response(1)
    assert m.get("id") == 1 and "capabilities" in m.get("result", {}), m
    assert raw.p.poll() is None


def test_raw_bad_params_error_then_clean_exit(raw):
    raw.send({"id": 1, "method": "initialize", "params": {"capabilities": {}, "processId": None}})
    assert "result" in raw.response(1)
    raw.send({"method": "initialized", "params": {}})
    raw.send({"id": 2, "method": "textDocument/codeAction", "params": {"range": 42}})
    err = raw.response(2)
    assert err.get("error", {}).get("code") in (-32602, -32600), err
    raw.send({"id": 3, "method": "no/suchMethod", "params": {}})
    assert raw.response(3).get("error", {}).get("code") == -32601
    raw.send({"id": 4, "method": "shutdown"})
    assert "error" not in raw.response(4)
    raw.send({"method": "exit"})
    assert raw.wait_exit() == 0, "exit after shutdown must be status 0"
    stderr = raw.stderr_path.read_text(errors="replace")
    assert "panicked" not in stderr, stderr
