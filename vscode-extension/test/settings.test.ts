// Settings mapping, document selector, and the extension manifest checked against the protocol
// contract in docs/lsp-protocol.md (the extension is a client of exactly that).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { documentSelector, SERVER_DEFAULTS, SERVER_SETTING_KEYS, toServerSettings } from '../src/settings';

const ROOT = path.resolve(__dirname, '../../..'); // out/test -> vscode-extension -> repo
const EXT_DIR = path.join(ROOT, 'vscode-extension');
const pkg = JSON.parse(fs.readFileSync(path.join(EXT_DIR, 'package.json'), 'utf8')) as {
  activationEvents: string[];
  contributes: {
    configuration: { properties: Record<string, { default: unknown; enum?: string[]; type: string | string[]; items?: { enum?: string[] } }> };
    commands: { command: string; title: string; category: string }[];
    languages: { id: string; extensions: string[] }[];
  };
  engines: { vscode: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const props = pkg.contributes.configuration.properties;
const protocol = fs.readFileSync(path.join(ROOT, 'docs/lsp-protocol.md'), 'utf8');

/** Rows of the markdown table that follows `heading` in the protocol doc. */
function table(heading: string): string[][] {
  const start = protocol.indexOf(heading);
  assert.ok(start >= 0, `no "${heading}" section in docs/lsp-protocol.md`);
  const rows: string[][] = [];
  for (const line of protocol.slice(start).split('\n').slice(1)) {
    if (line.startsWith('#')) {
      break;
    }
    if (!line.startsWith('|') || /^\|\s*-/.test(line)) {
      continue;
    }
    rows.push(line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim()));
  }
  return rows.slice(1); // header
}

const settingRows = table('## Settings').map(([key, type, def]) => ({ key: key.replace(/`/g, ''), type, def }));
const serverCommands = table('## Commands').map(([cmd]) => cmd.replace(/`/g, ''));

const ctx = { homeDir: '/home/ana', workspaceFolder: '/srv/ws', platform: 'linux' as const };

describe('toServerSettings', () => {
  it('sends exactly the server keys, never client-only ones', () => {
    const cfg: Record<string, unknown> = { ...SERVER_DEFAULTS, 'server.path': '/x/tftsr', 'trace.server': 'verbose' };
    const s = toServerSettings((k) => cfg[k], ctx);
    assert.deepEqual(Object.keys(s).sort(), [...SERVER_SETTING_KEYS].sort());
    assert.ok(!('server.path' in s) && !('server' in s) && !('trace.server' in s));
  });

  it('passes user values through unchanged (the server validates them)', () => {
    const cfg: Record<string, unknown> = {
      enabledTypes: ['email', 'ipv4'],
      disabledTypes: ['hostname'],
      severity: { ipv4: 'hint', email: 'error' },
      redactionStyle: 'pseudonym',
      maxDiagnostics: 5,
      debounceMs: 0,
      maxFileBytes: 1048576,
      globs: ['*.txt'],
      databasePath: '/data/tftsr.db',
      logLevel: 'debug',
    };
    assert.deepEqual(toServerSettings((k) => cfg[k], ctx), cfg);
    const bad: Record<string, unknown> = { ...cfg, redactionStyle: 'shout', maxDiagnostics: -3 };
    const s = toServerSettings((k) => bad[k], ctx);
    assert.equal(s.redactionStyle, 'shout');
    assert.equal(s.maxDiagnostics, -3);
  });

  it('fills protocol defaults for missing values, as copies', () => {
    const s = toServerSettings(() => undefined, ctx);
    assert.deepEqual(s, SERVER_DEFAULTS);
    s.globs.push('*.mutated');
    s.disabledTypes.push('email');
    assert.deepEqual(SERVER_DEFAULTS.globs, ['*.log', '*.log.[0-9]*', '*.out']);
    assert.deepEqual(SERVER_DEFAULTS.disabledTypes, []);
  });

  it('copies configuration values, even proxies that structuredClone rejects', () => {
    // VS Code's WorkspaceConfiguration returns values wrapped like this (DataCloneError otherwise)
    const severity = new Proxy(Object.freeze({ email: 'hint' }), {});
    assert.throws(() => structuredClone(severity));
    const cfg: Record<string, unknown> = { severity };
    const s = toServerSettings((k) => cfg[k], ctx);
    s.severity.email = 'error';
    assert.deepEqual({ ...(cfg.severity as object) }, { email: 'hint' });
  });

  it('maps databasePath: empty -> null, ~ expanded, relative -> workspace', () => {
    const db = (v: unknown) => toServerSettings((k) => (k === 'databasePath' ? v : undefined), ctx).databasePath;
    assert.equal(db(''), null);
    assert.equal(db('  '), null);
    assert.equal(db(null), null);
    assert.equal(db('~/tftsr/tftsr.db'), '/home/ana/tftsr/tftsr.db');
    assert.equal(db('store/tftsr.db'), '/srv/ws/store/tftsr.db');
    assert.equal(db('/abs/tftsr.db'), '/abs/tftsr.db');
  });
});

describe('documentSelector', () => {
  it('covers language log (file and untitled) and each glob at any depth', () => {
    assert.deepEqual(documentSelector(['*.log', '*.log.[0-9]*', ' ', 'logs/**/*.txt']), [
      { scheme: 'file', language: 'log' },
      { scheme: 'untitled', language: 'log' },
      { scheme: 'file', pattern: '**/*.log' },
      { scheme: 'file', pattern: '**/*.log.[0-9]*' },
      { scheme: 'file', pattern: 'logs/**/*.txt' },
    ]);
  });
});

describe('package.json matches docs/lsp-protocol.md', () => {
  it('the protocol table lists exactly the keys the extension maps', () => {
    assert.deepEqual(settingRows.map((r) => r.key).sort(), [...SERVER_SETTING_KEYS].sort());
  });

  for (const row of settingRows) {
    it(`tftsr.${row.key}: contributed, typed, described, default as documented`, () => {
      const p = props[`tftsr.${row.key}`] as (typeof props)[string] & { markdownDescription?: string; description?: string };
      assert.ok(p, `tftsr.${row.key} is not contributed`);
      assert.ok((p.markdownDescription ?? p.description ?? '').length > 20, 'needs a description');
      assert.ok(p.type, 'needs a type');
      // "null (all)" -> null, "[]" -> [], "\"tag\"" -> "tag"; "DESIGN.md defaults" has no literal.
      const literal = row.def.replace(/\s*\(.*\)$/, '');
      let want: unknown;
      try {
        want = JSON.parse(literal);
      } catch {
        want = {}; // severity: the server's per-type defaults apply to every type left out
      }
      assert.deepEqual(p.default, want);
      assert.deepEqual(SERVER_DEFAULTS[row.key as keyof typeof SERVER_DEFAULTS], want);
      // "tag"\|"mask"\|... in the type column -> the setting's enum
      const quoted = [...row.type.matchAll(/"([a-z0-9-]+)"/g)].map((m) => m[1]);
      if (quoted.length && row.type.startsWith('"')) {
        assert.deepEqual(p.enum, quoted);
      }
      if (row.type.includes('null')) {
        assert.ok(Array.isArray(p.type) && p.type.includes('null'), 'nullable in the protocol');
      }
    });
  }

  it('no palette command collides with a server command (vscode-languageclient registers those)', () => {
    assert.ok(serverCommands.length >= 9, `parsed ${serverCommands.length} server commands`);
    for (const c of pkg.contributes.commands) {
      assert.ok(!serverCommands.includes(c.command), `${c.command} is a server command id`);
    }
  });

  it('every contributed command is registered by the extension, and only those', () => {
    const src = fs.readFileSync(path.join(EXT_DIR, 'src/commands.ts'), 'utf8');
    const registered = [...src.matchAll(/reg\('([a-zA-Z.]+)'/g)].map((m) => m[1]).sort();
    assert.deepEqual(registered, pkg.contributes.commands.map((c) => c.command).sort());
    for (const c of pkg.contributes.commands) {
      assert.equal(c.category, 'TFTSR');
    }
  });

  it('activates on the log language and the default globs, never on "*"', () => {
    assert.ok(!pkg.activationEvents.includes('*'));
    assert.ok(pkg.activationEvents.includes('onLanguage:log'));
    for (const g of SERVER_DEFAULTS.globs) {
      assert.ok(pkg.activationEvents.includes(`workspaceContains:**/${g}`), g);
    }
    assert.deepEqual(pkg.contributes.languages.find((l) => l.id === 'log')?.extensions, ['.log']);
  });

  it('pins vscode-languageclient 9.0.1 for engines ^1.82 and @types/vscode no newer', () => {
    assert.equal(pkg.dependencies['vscode-languageclient'], '9.0.1');
    assert.equal(pkg.engines.vscode, '^1.82.0');
    assert.equal(pkg.devDependencies['@types/vscode'], '1.82.0');
  });
});
