// The palette commands (package.json `contributes.commands`) and the two that are neither issue
// UI nor lifecycle: redact the whole document, scan a file too large to open.
import * as path from 'path';
import * as vscode from 'vscode';
import { ServerClient } from './client';
import { UserError } from './errors';
import { plural, refusalReason, ScanFileResult, scanReportMarkdown } from './format';
import { IssueUI } from './issues';
import { FindingsStatusBar } from './statusBar';
import { guard, targetUri } from './ui';
import { VirtualDocuments } from './virtualDocs';

export interface CommandDeps {
  client: ServerClient;
  issues: IssueUI;
  docs: VirtualDocuments;
  status: FindingsStatusBar;
}

/** Registers every contributed command; each runs under `guard` (one error message on failure). */
export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { client, issues, docs, status } = deps;
  const subs: vscode.Disposable[] = [];
  const reg = (id: string, fn: (...args: unknown[]) => unknown) =>
    subs.push(vscode.commands.registerCommand(id, (...args: unknown[]) => guard(() => fn(...args))));
  reg('tftsr.redactAllInFile', (arg) => redactAll(client, arg));
  reg('tftsr.attachLogToIssue', (arg) => issues.attachLog(arg));
  reg('tftsr.newIssue', () => issues.newIssue());
  reg('tftsr.findIssues', () => issues.search());
  reg('tftsr.scanLargeFile', () => scanLargeFile(client, docs));
  reg('tftsr.restartServer', () => restart(client, status));
  reg('tftsr.showOutput', () => client.output.show(true));
  return subs;
}

async function restart(client: ServerClient, status: FindingsStatusBar): Promise<void> {
  const c = await client.restart();
  if (c) {
    vscode.window.setStatusBarMessage('TFTSR: language server restarted', 3000);
  }
  status.update();
}

/** TFTSR: Redact All PII in File: the server's tftsr.redactDocument edit; saving is the user's. */
async function redactAll(client: ServerClient, arg: unknown): Promise<void> {
  const uri = targetUri(arg);
  if (!uri) {
    throw new UserError('open a log file first.');
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  const res = await client.exec<{ applied: boolean; redactions: number }>('tftsr.redactDocument', {
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

/** TFTSR: Scan Large File on Disk…: tftsr.scanFile writes a redacted copy; a report shows counts. */
async function scanLargeFile(client: ServerClient, docs: VirtualDocuments): Promise<void> {
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
      () => client.exec<ScanFileResult>('tftsr.scanFile', args),
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
  await docs.showMarkdown(docs.reportUri(name), scanReportMarkdown(res));
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
