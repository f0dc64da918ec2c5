// VS Code client of `tftsr lsp`. This file only wires the parts together:
//   client.ts      the language client's lifecycle (find the binary, start, settings, restart)
//   statusBar.ts   "TFTSR: N findings" for the active log
//   issues.ts      issue pickers, attach, search, issue preview
//   commands.ts    the palette commands
//   virtualDocs.ts read-only Markdown documents (issue details, scan reports)
// Protocol: docs/lsp-protocol.md.
import * as vscode from 'vscode';
import { ServerClient } from './client';
import { registerCommands } from './commands';
import { IssueUI } from './issues';
import { FindingsStatusBar } from './statusBar';
import { guard } from './ui';
import { VirtualDocuments } from './virtualDocs';

let client: ServerClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('TFTSR');
  const docs = new VirtualDocuments();
  // The client calls back (a code action's "Attach log to issue…") only once the server runs,
  // long after `issues` below exists.
  const c: ServerClient = new ServerClient(context.extensionPath, output, (arg) => guard(() => issues.attachLog(arg)));
  const issues: IssueUI = new IssueUI(c, docs);
  client = c;
  const status = new FindingsStatusBar(c);
  context.subscriptions.push(
    output,
    docs,
    c,
    status,
    ...registerCommands({ client: c, issues, docs, status }),
    vscode.workspace.onDidChangeConfiguration((e) => c.onConfigChange(e)),
  );
  // A failure here must not fail activation: the commands above stay usable (Restart Server).
  await guard(() => c.start());
  status.update();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
