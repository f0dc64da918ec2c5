// Finding and checking the `tftsr` binary. No `vscode` import: the unit tests run this under
// plain Node, with the file system and environment injected.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export type ServerSource = 'setting' | 'env' | 'bundled' | 'path';

export interface LookupInput {
  /** Raw value of the `tftsr.server.path` setting. */
  settingPath?: string;
  /** Environment of the extension host (TFTSR_SERVER_PATH, PATH). */
  env: Record<string, string | undefined>;
  extensionPath: string;
  platform: NodeJS.Platform;
  arch: string;
  homeDir: string;
  /** Base for relative `tftsr.server.path` values (the first workspace folder). */
  workspaceFolder?: string;
  isFile: (p: string) => boolean;
}

export interface FoundServer {
  path: string;
  source: ServerSource;
}

/** A lookup or check failure; `source` says which lookup step the user should fix. */
export class ServerBinaryError extends Error {
  constructor(
    message: string,
    readonly source?: ServerSource,
  ) {
    super(message);
    this.name = 'ServerBinaryError';
  }
}

export const SOURCE_LABELS: Record<ServerSource, string> = {
  setting: 'setting tftsr.server.path',
  env: 'environment variable TFTSR_SERVER_PATH',
  bundled: 'binary bundled with the extension',
  path: 'PATH',
};

function pathApi(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

export function binaryName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'tftsr.exe' : 'tftsr';
}

/** Where a platform-specific .vsix (`vsce package --target <platform>-<arch>`) carries the binary. */
export function bundledBinaryPath(extensionPath: string, platform: NodeJS.Platform, arch: string): string {
  return pathApi(platform).join(extensionPath, 'bin', `${platform}-${arch}`, binaryName(platform));
}

/** Expands a leading `~` and resolves relative paths against `base` when there is one. */
export function expandUserPath(
  value: string,
  homeDir: string,
  base: string | undefined,
  platform: NodeJS.Platform,
): string {
  const p = pathApi(platform);
  let v = value.trim();
  if (v === '~') {
    v = homeDir;
  } else if (v.startsWith('~/') || (platform === 'win32' && v.startsWith('~\\'))) {
    v = p.join(homeDir, v.slice(2));
  }
  if (!p.isAbsolute(v) && base) {
    v = p.resolve(base, v);
  }
  return v;
}

/**
 * Resolves the server binary in the documented order: setting, TFTSR_SERVER_PATH, bundled binary,
 * PATH. An explicit setting or variable that points nowhere is an error rather than a silent
 * fall-through: the user asked for that binary, and running another one would hide the mistake.
 */
export function locateServer(input: LookupInput): FoundServer {
  const { platform, homeDir, isFile } = input;
  const setting = (input.settingPath ?? '').trim();
  if (setting) {
    const p = expandUserPath(setting, homeDir, input.workspaceFolder, platform);
    if (isFile(p)) {
      return { path: p, source: 'setting' };
    }
    throw new ServerBinaryError(`tftsr.server.path is set to "${p}", but there is no file there.`, 'setting');
  }
  const fromEnv = (input.env.TFTSR_SERVER_PATH ?? '').trim();
  if (fromEnv) {
    const p = expandUserPath(fromEnv, homeDir, undefined, platform);
    if (isFile(p)) {
      return { path: p, source: 'env' };
    }
    throw new ServerBinaryError(`TFTSR_SERVER_PATH is set to "${p}", but there is no file there.`, 'env');
  }
  const bundled = bundledBinaryPath(input.extensionPath, platform, input.arch);
  if (isFile(bundled)) {
    return { path: bundled, source: 'bundled' };
  }
  const api = pathApi(platform);
  const name = binaryName(platform);
  // Windows keeps PATH as "Path" in some shells; environment lookups there are case-insensitive.
  const pathVar =
    input.env.PATH ?? (platform === 'win32' ? Object.entries(input.env).find(([k]) => k.toUpperCase() === 'PATH')?.[1] : undefined) ?? '';
  for (const dir of pathVar.split(api.delimiter)) {
    if (!dir) {
      continue;
    }
    const candidate = api.join(dir, name);
    if (isFile(candidate)) {
      return { path: candidate, source: 'path' };
    }
  }
  throw new ServerBinaryError(
    `no tftsr binary found: tftsr.server.path is empty, TFTSR_SERVER_PATH is not set, ` +
      `this extension has no bundled binary for ${platform}-${input.arch}, and "${name}" is not on PATH.`,
  );
}

/** `tftsr 0.1.0` (clap's `--version` output) → `0.1.0`; anything else → undefined. */
export function parseVersion(stdout: string): string | undefined {
  const m = /^tftsr\s+(\d+\.\d+\.\d+\S*)\s*$/m.exec(stdout);
  return m ? m[1] : undefined;
}

/** True when `p` is a regular file (following symlinks). */
export function isRegularFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Zip archives (.vsix) do not always keep the executable bit, so a bundled binary may arrive
 * without it; restore it rather than fail with EACCES.
 */
export function ensureExecutable(p: string, platform: NodeJS.Platform = process.platform): void {
  if (platform === 'win32') {
    return;
  }
  const mode = fs.statSync(p).mode;
  if ((mode & 0o111) === 0) {
    fs.chmodSync(p, mode | 0o755);
  }
}

/**
 * Runs `<binary> --version` and returns the version. A binary that fails, hangs, or does not
 * answer like tftsr gives a ServerBinaryError naming the lookup step it came from.
 */
export function checkServerVersion(found: FoundServer, timeoutMs = 10000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(found.path, ['--version'], { timeout: timeoutMs, windowsHide: true }, (err, stdout, stderr) => {
      const where = `${found.path} (from the ${SOURCE_LABELS[found.source]})`;
      if (err) {
        const e = err as Error & { code?: string | number; killed?: boolean; signal?: string | null };
        let why: string;
        if (e.killed || e.signal === 'SIGTERM') {
          why = `did not answer --version within ${timeoutMs / 1000} s`;
        } else if (e.code === 'EACCES') {
          why = 'is not executable';
        } else if (e.code === 'ENOENT') {
          why = 'does not exist';
        } else if (typeof e.code === 'number') {
          const firstLine = String(stderr).trim().split('\n')[0] ?? '';
          why = `exited with status ${e.code} on --version${firstLine ? `: ${firstLine.slice(0, 200)}` : ''}`;
        } else {
          why = `could not be run: ${e.message}`;
        }
        reject(new ServerBinaryError(`${where} ${why}.`, found.source));
        return;
      }
      const version = parseVersion(String(stdout));
      if (!version) {
        reject(
          new ServerBinaryError(
            `${where} is not a tftsr binary: --version printed "${String(stdout).trim().slice(0, 80)}".`,
            found.source,
          ),
        );
        return;
      }
      resolve(version);
    });
  });
}
