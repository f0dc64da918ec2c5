// Small helpers every command shares: one error message per failure, the document a command
// applies to.
import * as vscode from 'vscode';
import { errorText } from './errors';

/** Runs a command body, turning failures into one error message instead of a silent reject. */
export async function guard<T>(fn: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    void vscode.window.showErrorMessage(`TFTSR: ${errorText(e)}`);
    return undefined;
  }
}

/** The document a command applies to: an explorer/code-action argument, else the active editor. */
export function targetUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) {
    return arg;
  }
  if (arg && typeof arg === 'object' && typeof (arg as { uri?: unknown }).uri === 'string') {
    return vscode.Uri.parse((arg as { uri: string }).uri);
  }
  return vscode.window.activeTextEditor?.document.uri;
}
