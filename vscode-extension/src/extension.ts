// VS Code client of `tftsr lsp`: starts the server, maps settings, adds the palette commands,
// the issue pickers and the status bar count. Protocol: docs/lsp-protocol.md.
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  Executable,
  LanguageClient,
  LanguageClientOptions,
  ResponseError,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';
import {
  countFindings,
  Issue,
  ISSUE_SEVERITIES,
  issueItem,
  OPEN_STATUSES,
  plural,
  refusalReason,
  ScanFileResult,
  scanReportMarkdown,
  SearchHit,
  slug,
  statusText,
  statusTooltip,
  validateTitle,
} from './format';
import {
  checkServerVersion,
  ensureExecutable,
  FoundServer,
  isRegularFile,
  locateServer,
  ServerBinaryError,
  SOURCE_LABELS,
} from './serverBinary';
import { documentSelector, DocFilter, RESTART_KEYS, ServerSettings, toServerSettings } from './settings';

const SECTION = 'tftsr';
const ISSUE_SCHEME = 'tftsr-issue';
const REPORT_SCHEME = 'tftsr-report';

let ext: TftsrExtension | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  ext = new TftsrExtension(context);
  await ext.start();
}

export async function deactivate(): Promise<void> {
  await ext?.stopClient();
  ext = undefined;
}

interface IssueDetail {
  issue: Issue;
  markdown: string;
}

class TftsrExtension {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient | undefined> | undefined;
  private selector: DocFilter[] = [];
  private readonly output: vscode.OutputChannel;
  private readonly status: vscode.StatusBarItem;
  /** Virtual Markdown documents (issue details, scan reports), served read-only. */
  private readonly virtualDocs = new Map<string, string>();
  private readonly virtualChanged = new vscode.EventEmitter<vscode.Uri>();
  private statusSeq = 0;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('TFTSR');
    this.status = vscode.window.createStatusBarItem('tftsr.findings', vscode.StatusBarAlignment.Left, 10);
    this.status.name = 'TFTSR Findings';
    this.status.command = 'workbench.actions.view.problems';
    context.subscriptions.push(this.output, this.status, this.virtualChanged);
  }

  async start(): Promise<void> {
    const sub = this.context.subscriptions;
    const reg = (id: string, fn: (...args: unknown[]) => unknown) =>
      sub.push(vscode.commands.registerCommand(id, (...args: unknown[]) => this.guard(() => fn(...args))));
    reg('tftsr.redactAllInFile', (arg) => this.redactAll(arg));
    reg('tftsr.attachLogToIssue', (arg) => this.attachLogToIssue(arg));
    reg('tftsr.newIssue', () => this.newIssueCommand());
    reg('tftsr.findIssues', () => this.searchIssues());
    reg('tftsr.scanLargeFile', () => this.scanLargeFile());
    reg('tftsr.restartServer', () => this.restart());
    reg('tftsr.showOutput', () => this.output.show(true));

    const provider: vscode.TextDocumentContentProvider = {
      onDidChange: this.virtualChanged.event,
      provideTextDocumentContent: (uri) => this.virtualDocs.get(uri.toString()) ?? '',
    };
    sub.push(
      vscode.workspace.registerTextDocumentContentProvider(ISSUE_SCHEME, provider),
      vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, provider),
      vscode.workspace.onDidChangeConfiguration((e) => this.onConfigChange(e)),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateStatus()),
      vscode.languages.onDidChangeDiagnostics((e) => {
        const active = vscode.window.activeTextEditor?.document.uri.toString();
        if (active && e.uris.some((u) => u.toString() === active)) {
          this.updateStatus();
        }
      }),
    );
    // A failure here must not fail activation: the commands above stay usable (Restart Server).
    await this.guard(() => this.startClient());
    this.updateStatus();
  }

  // ---- server process ------------------------------------------------------------------------

  private serverSettings(): ServerSettings {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    return toServerSettings((k) => cfg.get(k), {
      homeDir: os.homedir(),
      workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      platform: process.platform,
    });
  }

  private async findServer(): Promise<{ found: FoundServer; version: string }> {
    const found = locateServer({
      settingPath: vscode.workspace.getConfiguration(SECTION).get<string>('server.path'),
      env: process.env,
      extensionPath: this.context.extensionPath,
      platform: process.platform,
      arch: process.arch,
      homeDir: os.homedir(),
      workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      isFile: isRegularFile,
    });
    if (found.source === 'bundled') {
      ensureExecutable(found.path);
    }
    const version = await checkServerVersion(found);
    return { found, version };
  }

  /** Starts the client once; concurrent callers share the attempt. Undefined when it failed. */
  startClient(): Promise<LanguageClient | undefined> {
    if (this.client) {
      return Promise.resolve(this.client);
    }
    this.starting ??= this.doStart().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async doStart(): Promise<LanguageClient | undefined> {
    // The selector first: the status bar says "not running" on logs even when no binary is found.
    this.selector = documentSelector(this.serverSettings().globs);
    let found: FoundServer;
    try {
      const r = await this.findServer();
      found = r.found;
      this.output.appendLine(`Using tftsr ${r.version} at ${found.path} (${SOURCE_LABELS[found.source]}).`);
    } catch (e) {
      this.reportServerProblem(e);
      return undefined;
    }
    const settings = this.serverSettings();
    // No `transport`: TransportKind.stdio would append `--stdio`, an argument `tftsr lsp` does not
    // take. Without it the client still talks over the child's stdin/stdout.
    const run: Executable = { command: found.path, args: ['lsp'] };
    const serverOptions: ServerOptions = { run, debug: run };
    const clientOptions: LanguageClientOptions = {
      documentSelector: this.selector,
      initializationOptions: settings,
      outputChannel: this.output,
      traceOutputChannel: this.output,
      middleware: {
        // The server's "Attach log to issue…" code action calls tftsr.attachToIssue with only
        // {uri}: the client is expected to pick the issue, so route it through the picker.
        executeCommand: async (command, args, next): Promise<unknown> => {
          const arg = args[0] as { uri?: string; issueId?: string } | undefined;
          if (command === 'tftsr.attachToIssue' && arg && !arg.issueId) {
            return this.guard(() => this.attachLogToIssue(arg));
          }
          return (await next(command, args)) as unknown;
        },
        workspace: {
          // A server pulling `workspace/configuration` gets the same mapped object as a push.
          configuration: async (params, token, next): Promise<unknown[] | ResponseError> => {
            const res = (await next(params, token)) as unknown[] | ResponseError;
            if (!Array.isArray(res)) {
              return res;
            }
            return params.items.map((item, i) => (item.section === SECTION ? this.serverSettings() : res[i]));
          },
        },
      },
    };
    const client = new LanguageClient('tftsr', 'TFTSR', serverOptions, clientOptions);
    client.onDidChangeState(() => this.updateStatus());
    try {
      await client.start();
    } catch (e) {
      this.output.appendLine(`The server failed to start: ${errorText(e)}`);
      void vscode.window
        .showErrorMessage(`TFTSR: the language server failed to start: ${errorText(e)}`, 'Show Output', 'Open Setting')
        .then((a) => this.onProblemAction(a));
      await client.dispose().catch(() => undefined);
      return undefined;
    }
    this.client = client;
    return client;
  }

  async stopClient(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) {
      try {
        await c.stop(5000);
      } catch (e) {
        this.output.appendLine(`Stopping the server: ${errorText(e)}`);
      }
    }
  }

  private async restart(): Promise<void> {
    await this.stopClient();
    const c = await this.startClient();
    if (c) {
      vscode.window.setStatusBarMessage('TFTSR: language server restarted', 3000);
    }
    this.updateStatus();
  }

  private reportServerProblem(e: unknown): void {
    const msg = errorText(e);
    this.output.appendLine(`Cannot start the language server: ${msg}`);
    const hint =
      e instanceof ServerBinaryError && e.source === 'env'
        ? ' Fix or unset TFTSR_SERVER_PATH, or set tftsr.server.path.'
        : ' Set tftsr.server.path to the tftsr binary.';
    void vscode.window
      .showErrorMessage(`TFTSR: cannot start the language server: ${msg}${hint}`, 'Open Setting', 'Show Output')
      .then((a) => this.onProblemAction(a));
  }

  private onProblemAction(action: string | undefined): void {
    if (action === 'Open Setting') {
      void vscode.commands.executeCommand('workbench.action.openSettings', 'tftsr.server.path');
    } else if (action === 'Show Output') {
      this.output.show(true);
    }
  }

  private async onConfigChange(e: vscode.ConfigurationChangeEvent): Promise<void> {
    if (!e.affectsConfiguration(SECTION)) {
      return;
    }
    if (RESTART_KEYS.some((k) => e.affectsConfiguration(`${SECTION}.${k}`)) || !this.client) {
      await this.restart();
      return;
    }
    await this.client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { [SECTION]: this.serverSettings() },
    });
  }

  /** The running client, starting it if needed; throws a user-facing error when there is none. */
  private async requireClient(): Promise<LanguageClient> {
    const c = await this.startClient();
    if (!c) {
      throw new UserError('the language server is not running (see TFTSR: Show Server Output).');
    }
    return c;
  }

  private async exec<T>(command: string, arg: object): Promise<T> {
    const c = await this.requireClient();
    return (await c.sendRequest(ExecuteCommandRequest.type, { command, arguments: [arg] })) as T;
  }

  /** Runs a command body, turning failures into one error message instead of a silent reject. */
  private async guard<T>(fn: () => T | Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      void vscode.window.showErrorMessage(`TFTSR: ${errorText(e)}`);
      return undefined;
    }
  }

  // ---- status bar ----------------------------------------------------------------------------

  private handles(doc: vscode.TextDocument): boolean {
    return this.selector.length > 0 && vscode.languages.match(this.selector, doc) > 0;
  }

  private updateStatus(): void {
    const seq = ++this.statusSeq;
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || !this.handles(doc)) {
      this.status.hide();
      return;
    }
    if (!this.client || this.client.state !== State.Running) {
      const starting = this.starting !== undefined || this.client?.state === State.Starting;
      this.status.text = starting ? '$(sync~spin) TFTSR: starting…' : '$(warning) TFTSR: server not running';
      this.status.tooltip = 'Click to show the server output';
      this.status.command = 'tftsr.showOutput';
      this.status.show();
      return;
    }
    this.status.command = 'workbench.actions.view.problems';
    const counted = countFindings(vscode.languages.getDiagnostics(doc.uri));
    this.status.text = statusText(counted.findings, counted.truncated);
    this.status.tooltip = statusTooltip(counted.byType);
    this.status.show();
    if (counted.truncated) {
      // Beyond maxDiagnostics the diagnostics under-count: ask the server for the true total.
      void this.exec<{ findings: number; byType: Record<string, number> }>('tftsr.documentStats', {
        uri: doc.uri.toString(),
      }).then(
        (s) => {
          if (seq === this.statusSeq) {
            this.status.text = statusText(s.findings);
            this.status.tooltip = statusTooltip(s.byType);
          }
        },
        (err) => this.output.appendLine(`tftsr.documentStats failed: ${errorText(err)}`),
      );
    }
  }

  // ---- commands ------------------------------------------------------------------------------

  /** The document a command applies to: an explorer/code-action argument, else the active editor. */
  private targetUri(arg: unknown): vscode.Uri | undefined {
    if (arg instanceof vscode.Uri) {
      return arg;
    }
    if (arg && typeof arg === 'object' && typeof (arg as { uri?: unknown }).uri === 'string') {
      return vscode.Uri.parse((arg as { uri: string }).uri);
    }
    return vscode.window.activeTextEditor?.document.uri;
  }

  private async redactAll(arg: unknown): Promise<void> {
    const uri = this.targetUri(arg);
    if (!uri) {
      throw new UserError('open a log file first.');
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    const res = await this.exec<{ applied: boolean; redactions: number }>('tftsr.redactDocument', {
      uri: doc.uri.toString(),
    });
    if (res.redactions === 0) {
      void vscode.window.showInformationMessage(`TFTSR: no PII or secrets in ${path.basename(uri.path)}.`);
    } else if (!res.applied) {
      void vscode.window.showWarningMessage(
        `TFTSR: the editor refused the redaction of ${plural(res.redactions, 'finding')} (was the file changed meanwhile?).`,
      );
    } else {
      const note = vscode.window.setStatusBarMessage(`TFTSR: redacted ${plural(res.redactions, 'finding')}; save to keep it`, 5000);
      const saved = vscode.workspace.onDidSaveTextDocument((d) => {
        if (d.uri.toString() === doc.uri.toString()) {
          note.dispose();
          saved.dispose();
        }
      });
      setTimeout(() => {
        saved.dispose();
      }, 5000);
    }
  }

  /** QuickPick over open issues plus "New issue…"; undefined when the user cancels. */
  private async pickIssue(title: string): Promise<Issue | undefined> {
    type Item = vscode.QuickPickItem & { issue?: Issue; isNew?: boolean };
    const qp = vscode.window.createQuickPick<Item>();
    qp.title = title;
    qp.placeholder = 'Pick an open issue, or create a new one';
    qp.matchOnDescription = true;
    qp.matchOnDetail = true;
    const newItem: Item = { label: '$(add) New issue…', isNew: true, alwaysShow: true };
    qp.items = [newItem];
    qp.busy = true;
    qp.show();
    let listError: unknown;
    this.exec<Issue[]>('tftsr.listIssues', { limit: 200 }).then(
      (issues) => {
        const open = issues.filter((i) => OPEN_STATUSES.has(i.status));
        qp.items = [
          newItem,
          { label: 'Open issues', kind: vscode.QuickPickItemKind.Separator },
          ...open.map((issue) => ({ ...issueItem(issue), issue })),
        ];
        qp.busy = false;
      },
      (e) => {
        listError = e;
        qp.hide();
      },
    );
    const picked = await new Promise<Item | undefined>((resolve) => {
      qp.onDidAccept(() => resolve(qp.selectedItems[0]));
      qp.onDidHide(() => resolve(undefined));
    });
    qp.dispose();
    if (!picked) {
      if (listError !== undefined) {
        throw new UserError(errorText(listError)); // the reason the picker closed
      }
      return undefined;
    }
    if (picked.isNew) {
      return this.promptNewIssue(false);
    }
    return picked.issue;
  }

  /** Input boxes for a new issue, then tftsr.createIssue. Undefined when cancelled. */
  private async promptNewIssue(withDescription: boolean): Promise<Issue | undefined> {
    const steps = withDescription ? 3 : 2;
    const title = await vscode.window.showInputBox({
      title: `New issue (1/${steps})`,
      prompt: 'Title of the incident',
      placeHolder: 'e.g. Checkout fails with HTTP 502 after deploy',
      ignoreFocusOut: true,
      validateInput: validateTitle,
    });
    if (title === undefined) {
      return undefined;
    }
    const sev = await vscode.window.showQuickPick(
      ISSUE_SEVERITIES.map((s) => ({ ...s })),
      { title: `New issue (2/${steps}): severity`, placeHolder: 'Severity of the incident', ignoreFocusOut: true },
    );
    if (!sev) {
      return undefined;
    }
    const arg: { title: string; severity: string; description?: string } = {
      title: title.trim(),
      severity: sev.label,
    };
    if (withDescription) {
      const description = await vscode.window.showInputBox({
        title: 'New issue (3/3): description',
        prompt: 'What happened? (optional, Enter to skip)',
        ignoreFocusOut: true,
      });
      if (description === undefined) {
        return undefined;
      }
      if (description.trim()) {
        arg.description = description.trim();
      }
    }
    return this.exec<Issue>('tftsr.createIssue', arg);
  }

  private async newIssueCommand(): Promise<void> {
    const issue = await this.promptNewIssue(true);
    if (!issue) {
      return;
    }
    const a = await vscode.window.showInformationMessage(`TFTSR: created issue "${issue.title}".`, 'Show Issue');
    if (a === 'Show Issue') {
      await this.showIssue(issue.id);
    }
  }

  private async attachLogToIssue(arg: unknown): Promise<void> {
    const uri = this.targetUri(arg);
    if (!uri) {
      throw new UserError('open a log file first.');
    }
    // Opening it makes sure the server has the document (an explorer pick may not be open yet).
    const doc = await vscode.workspace.openTextDocument(uri);
    const name = path.basename(uri.path);
    const issue = await this.pickIssue(`Attach ${name} to an issue`);
    if (!issue) {
      return;
    }
    const res = await this.exec<{ logFileId: string; issueId: string; findings: number }>('tftsr.attachToIssue', {
      uri: doc.uri.toString(),
      issueId: issue.id,
    });
    const a = await vscode.window.showInformationMessage(
      `TFTSR: attached ${name} to "${issue.title}" (${plural(Number(res.findings) || 0, 'finding')} recorded).`,
      'Show Issue',
    );
    if (a === 'Show Issue') {
      await this.showIssue(issue.id);
    }
  }

  private async searchIssues(): Promise<void> {
    type Item = vscode.QuickPickItem & { issue: Issue };
    const qp = vscode.window.createQuickPick<Item>();
    qp.title = 'TFTSR: Search Issues';
    qp.placeholder = 'Search titles and descriptions (empty: most recent issues)';
    // The server ranks by bm25; VS Code's own fuzzy filter would hide its matches.
    qp.matchOnDescription = false;
    qp.matchOnDetail = false;
    let seq = 0;
    let timer: NodeJS.Timeout | undefined;
    const run = (query: string) => {
      const mine = ++seq;
      qp.busy = true;
      const q = query.trim();
      const req: Promise<SearchHit[]> = q
        ? this.exec<SearchHit[]>('tftsr.searchIssues', { query: q, limit: 50 })
        : this.exec<Issue[]>('tftsr.listIssues', { limit: 50 }).then((l) => l.map((issue) => ({ issue })));
      req.then(
        (hits) => {
          if (mine !== seq) {
            return;
          }
          qp.items = hits.map((h) => ({ ...issueItem(h.issue, h.snippet), issue: h.issue, alwaysShow: true }));
          qp.busy = false;
        },
        (e) => {
          if (mine !== seq) {
            return;
          }
          qp.items = [];
          qp.busy = false;
          qp.placeholder = `Search failed: ${errorText(e)}`;
        },
      );
    };
    qp.onDidChangeValue((v) => {
      if (timer) {
        clearTimeout(timer);
      }
      timer = setTimeout(() => run(v), 200);
    });
    run('');
    qp.show();
    const picked = await new Promise<Item | undefined>((resolve) => {
      qp.onDidAccept(() => resolve(qp.selectedItems[0]));
      qp.onDidHide(() => resolve(undefined));
    });
    if (timer) {
      clearTimeout(timer);
    }
    qp.dispose();
    if (picked) {
      await this.showIssue(picked.issue.id);
    }
  }

  /** Shows tftsr.getIssue's markdown as a read-only Markdown preview of a virtual document. */
  private async showIssue(id: string): Promise<void> {
    const detail = await this.exec<IssueDetail>('tftsr.getIssue', { id });
    const uri = vscode.Uri.from({
      scheme: ISSUE_SCHEME,
      path: `/${slug(detail.issue?.title ?? id)}.md`,
      query: `id=${encodeURIComponent(id)}`,
    });
    await this.showMarkdown(uri, detail.markdown);
  }

  private async showMarkdown(uri: vscode.Uri, markdown: string): Promise<void> {
    this.virtualDocs.set(uri.toString(), markdown);
    this.virtualChanged.fire(uri);
    try {
      await vscode.commands.executeCommand('markdown.showPreview', uri);
    } catch {
      // No Markdown preview (the built-in extension disabled): show the source read-only instead.
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
      await vscode.window.showTextDocument(doc, { preview: true });
    }
  }

  private async scanLargeFile(): Promise<void> {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectFolders: false,
      canSelectMany: false,
      openLabel: 'Scan and Redact',
      title: 'TFTSR: pick a log file to scan (a redacted copy is written beside it)',
      filters: { Logs: ['log', 'out', 'txt', 'json', 'jsonl'], 'All files': ['*'] },
    });
    const file = picked?.[0];
    if (!file) {
      return;
    }
    const name = path.basename(file.fsPath);
    // The server keeps file commands inside the workspace unless the user confirmed: picking the
    // file in this dialog is that confirmation (the copy goes beside it). It never replaces an
    // existing copy unless the user says so.
    const args: Record<string, unknown> = { path: file.fsPath, allowOutsideWorkspace: true };
    const scan = () =>
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `TFTSR: scanning ${name}…` },
        () => this.exec<ScanFileResult>('tftsr.scanFile', args),
      );
    let res: ScanFileResult;
    try {
      res = await scan();
    } catch (e) {
      if (refusalReason(e) !== 'outputExists') {
        throw e;
      }
      const replace = await vscode.window.showWarningMessage(
        `TFTSR: the redacted copy of ${name} already exists. Replace it?`,
        { modal: true },
        'Replace',
      );
      if (replace !== 'Replace') {
        return;
      }
      args.overwrite = true;
      res = await scan();
    }
    const report = vscode.Uri.from({ scheme: REPORT_SCHEME, path: `/${slug(name)}-report.md` });
    await this.showMarkdown(report, scanReportMarkdown(res));
    const a = await vscode.window.showInformationMessage(
      `TFTSR: ${plural(res.findings, 'finding')} in ${name}; redacted copy written to ${res.output}.`,
      'Open Redacted Copy',
      'Copy Path',
    );
    if (a === 'Open Redacted Copy') {
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(res.output));
    } else if (a === 'Copy Path') {
      await vscode.env.clipboard.writeText(res.output);
    }
  }
}

/** An error whose message is meant for the user as is. */
class UserError extends Error {}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    return e.message;
  }
  if (e && typeof e === 'object' && 'message' in e) {
    return String(e.message);
  }
  return String(e);
}
