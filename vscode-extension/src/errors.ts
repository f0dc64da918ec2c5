// Error text for the user. No `vscode` import: unit-tested under plain Node.

/** An error whose message is meant for the user as is. */
export class UserError extends Error {}

/** The message of anything thrown: an Error, a JSON-RPC error object, or a plain value. */
export function errorText(e: unknown): string {
  if (e instanceof Error) {
    return e.message;
  }
  if (e && typeof e === 'object' && 'message' in e) {
    return String(e.message);
  }
  return String(e);
}
