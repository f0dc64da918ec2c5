// "TFTSR: N findings" for the active log, or why there is no count (server starting, not running).
import * as vscode from 'vscode';
import { ServerClient } from './client';
import { errorText } from './errors';
import { countFindings, statusText, statusTooltip } from './format';

export class FindingsStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscriptions: vscode.Disposable[];
  /** Bumped on every update, so a late tftsr.documentStats answer cannot overwrite a newer one. */
  private seq = 0;

  constructor(private readonly client: ServerClient) {
    this.item = vscode.window.createStatusBarItem('tftsr.findings', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'TFTSR Findings';
    this.item.command = 'workbench.actions.view.problems';
    this.subscriptions = [
      this.item,
      client.onDidChangeState(() => this.update()),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.languages.onDidChangeDiagnostics((e) => {
        const active = vscode.window.activeTextEditor?.document.uri.toString();
        if (active && e.uris.some((u) => u.toString() === active)) {
          this.update();
        }
      }),
    ];
  }

  private handles(doc: vscode.TextDocument): boolean {
    const selector = [...this.client.selector];
    return selector.length > 0 && vscode.languages.match(selector, doc) > 0;
  }

  update(): void {
    const seq = ++this.seq;
    const status = this.item;
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || !this.handles(doc)) {
      status.hide();
      return;
    }
    const state = this.client.state;
    if (state !== 'running') {
      status.text = state === 'starting' ? '$(sync~spin) TFTSR: starting…' : '$(warning) TFTSR: server not running';
      status.tooltip = 'Click to show the server output';
      status.command = 'tftsr.showOutput';
      status.show();
      return;
    }
    status.command = 'workbench.actions.view.problems';
    const counted = countFindings(vscode.languages.getDiagnostics(doc.uri));
    status.text = statusText(counted.findings, counted.truncated);
    status.tooltip = statusTooltip(counted.byType);
    status.show();
    if (counted.truncated) {
      // Beyond maxDiagnostics the diagnostics under-count: ask the server for the true total.
      void this.client
        .exec<{ findings: number; byType: Record<string, number> }>('tftsr.documentStats', { uri: doc.uri.toString() })
        .then(
          (s) => {
            if (seq === this.seq) {
              status.text = statusText(s.findings);
              status.tooltip = statusTooltip(s.byType);
            }
          },
          (err) => this.client.output.appendLine(`tftsr.documentStats failed: ${errorText(err)}`),
        );
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) {
      s.dispose();
    }
  }
}
