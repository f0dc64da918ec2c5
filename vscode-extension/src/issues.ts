// The issue UI: pick or create an issue, attach a log to it, search issues, show one.
import * as path from 'path';
import * as vscode from 'vscode';
import { ServerClient } from './client';
import { errorText, UserError } from './errors';
import { Issue, ISSUE_SEVERITIES, issueItem, OPEN_STATUSES, plural, SearchHit, validateTitle } from './format';
import { targetUri } from './ui';
import { VirtualDocuments } from './virtualDocs';

interface IssueDetail {
  issue: Issue;
  markdown: string;
}

export class IssueUI {
  constructor(
    private readonly client: ServerClient,
    private readonly docs: VirtualDocuments,
  ) {}

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
    this.client.exec<Issue[]>('tftsr.listIssues', { limit: 200 }).then(
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
    return this.client.exec<Issue>('tftsr.createIssue', arg);
  }

  /** TFTSR: Create Issue. */
  async newIssue(): Promise<void> {
    const issue = await this.promptNewIssue(true);
    if (!issue) {
      return;
    }
    const a = await vscode.window.showInformationMessage(`TFTSR: created issue "${issue.title}".`, 'Show Issue');
    if (a === 'Show Issue') {
      await this.showIssue(issue.id);
    }
  }

  /** TFTSR: Attach Log to Issue… (also the server's code action, through the client middleware). */
  async attachLog(arg: unknown): Promise<void> {
    const uri = targetUri(arg);
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
    const res = await this.client.exec<{ logFileId: string; issueId: string; findings: number }>(
      'tftsr.attachToIssue',
      { uri: doc.uri.toString(), issueId: issue.id },
    );
    const a = await vscode.window.showInformationMessage(
      `TFTSR: attached ${name} to "${issue.title}" (${plural(Number(res.findings) || 0, 'finding')} recorded).`,
      'Show Issue',
    );
    if (a === 'Show Issue') {
      await this.showIssue(issue.id);
    }
  }

  /** TFTSR: Search Issues: the server's bm25 search as you type, the recent issues when empty. */
  async search(): Promise<void> {
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
        ? this.client.exec<SearchHit[]>('tftsr.searchIssues', { query: q, limit: 50 })
        : this.client.exec<Issue[]>('tftsr.listIssues', { limit: 50 }).then((l) => l.map((issue) => ({ issue })));
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
  async showIssue(id: string): Promise<void> {
    const detail = await this.client.exec<IssueDetail>('tftsr.getIssue', { id });
    await this.docs.showMarkdown(this.docs.issueUri(id, detail.issue?.title), detail.markdown);
  }
}
