// Read-only virtual Markdown documents (issue details, scan reports), shown as a preview.
import * as vscode from 'vscode';
import { slug } from './format';

const ISSUE_SCHEME = 'tftsr-issue';
const REPORT_SCHEME = 'tftsr-report';

export class VirtualDocuments implements vscode.Disposable {
  private readonly docs = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly registrations: vscode.Disposable[];

  constructor() {
    const provider: vscode.TextDocumentContentProvider = {
      onDidChange: this.changed.event,
      provideTextDocumentContent: (uri) => this.docs.get(uri.toString()) ?? '',
    };
    this.registrations = [
      vscode.workspace.registerTextDocumentContentProvider(ISSUE_SCHEME, provider),
      vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, provider),
    ];
  }

  /** The document of one issue; its name (the preview tab) is the title's slug. */
  issueUri(id: string, title: string | undefined): vscode.Uri {
    return vscode.Uri.from({
      scheme: ISSUE_SCHEME,
      path: `/${slug(title ?? id)}.md`,
      query: `id=${encodeURIComponent(id)}`,
    });
  }

  /** The scan report of the file called `name`. */
  reportUri(name: string): vscode.Uri {
    return vscode.Uri.from({ scheme: REPORT_SCHEME, path: `/${slug(name)}-report.md` });
  }

  /** Sets the document's text and opens its Markdown preview (the source, when there is none). */
  async showMarkdown(uri: vscode.Uri, markdown: string): Promise<void> {
    this.docs.set(uri.toString(), markdown);
    this.changed.fire(uri);
    try {
      await vscode.commands.executeCommand('markdown.showPreview', uri);
    } catch {
      // No Markdown preview (the built-in extension disabled): show the source read-only instead.
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
      await vscode.window.showTextDocument(doc, { preview: true });
    }
  }

  dispose(): void {
    for (const r of this.registrations) {
      r.dispose();
    }
    this.changed.dispose();
  }
}
