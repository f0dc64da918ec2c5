// The `tftsr` settings section as the server expects it (docs/lsp-protocol.md, "Settings").
// No `vscode` import: unit-tested under plain Node with a fake configuration getter.
import { expandUserPath } from './serverBinary';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface ServerSettings {
  enabledTypes: string[] | null;
  disabledTypes: string[];
  severity: Record<string, Severity>;
  redactionStyle: 'tag' | 'mask' | 'partial' | 'pseudonym';
  maxDiagnostics: number;
  debounceMs: number;
  maxFileBytes: number;
  globs: string[];
  databasePath: string | null;
  logLevel: 'error' | 'warn' | 'info' | 'debug' | 'trace';
}

/** The protocol's defaults, used when the configuration has no value at all. */
export const SERVER_DEFAULTS: ServerSettings = {
  enabledTypes: null,
  disabledTypes: [],
  severity: {},
  redactionStyle: 'tag',
  maxDiagnostics: 1000,
  debounceMs: 100,
  maxFileBytes: 1073741824,
  globs: ['*.log', '*.log.[0-9]*', '*.out'],
  databasePath: null,
  logLevel: 'warn',
};

/** Keys the server knows; client-only keys (`server.path`, `trace.server`) are never sent. */
export const SERVER_SETTING_KEYS = Object.keys(SERVER_DEFAULTS) as (keyof ServerSettings)[];

/** Keys whose change needs a new server process rather than didChangeConfiguration. */
export const RESTART_KEYS = ['server.path', 'globs'] as const;

export interface MappingContext {
  homeDir: string;
  workspaceFolder?: string;
  platform: NodeJS.Platform;
}

/**
 * Builds the object sent as `initializationOptions` and in `didChangeConfiguration`.
 * Values are passed as the user wrote them (the server validates and reports a bad value with
 * window/showMessage, keeping its default), except where the Settings UI cannot express the
 * protocol's value: an empty database path field means `null`, and paths get `~` expanded and
 * are made absolute, because the server's working directory is not the workspace.
 */
export function toServerSettings(get: (key: string) => unknown, ctx: MappingContext): ServerSettings {
  const out: Record<string, unknown> = {};
  for (const key of SERVER_SETTING_KEYS) {
    const v = get(key);
    out[key] = copy(v === undefined ? SERVER_DEFAULTS[key] : v);
  }
  const db = out.databasePath;
  if (typeof db === 'string') {
    out.databasePath = db.trim() === '' ? null : expandUserPath(db, ctx.homeDir, ctx.workspaceFolder, ctx.platform);
  }
  return out as unknown as ServerSettings;
}

/**
 * A deep copy of a JSON value. Not structuredClone: VS Code hands out configuration values as
 * frozen proxies, which structuredClone rejects (DataCloneError).
 */
function copy<T>(v: T): T {
  return v === null || typeof v !== 'object' ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** A LSP/VS Code document filter (structurally the same in both). */
export type DocFilter = { scheme: string; language: string } | { scheme: string; pattern: string };

/**
 * Documents the client sends to the server: language `log` (saved or untitled) and files matching
 * `tftsr.globs`. The globs are file-name globs ("*.log.[0-9]*"), so they are matched at any depth.
 */
export function documentSelector(globs: readonly string[]): DocFilter[] {
  const sel: DocFilter[] = [
    { scheme: 'file', language: 'log' },
    { scheme: 'untitled', language: 'log' },
  ];
  for (const g of globs) {
    const glob = g.trim();
    if (!glob) {
      continue;
    }
    sel.push({ scheme: 'file', pattern: glob.includes('/') ? glob : `**/${glob}` });
  }
  return sel;
}
