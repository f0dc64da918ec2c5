// Server binary lookup and the --version check, under plain Node (no VS Code).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it, before, after } from 'node:test';
import {
  bundledBinaryPath,
  checkServerVersion,
  ensureExecutable,
  expandUserPath,
  locateServer,
  LookupInput,
  parseVersion,
  ServerBinaryError,
} from '../src/serverBinary';

const EXT = '/ext/tftsr-0.1.0';
const BUNDLED = '/ext/tftsr-0.1.0/bin/linux-x64/tftsr';

function input(files: string[], over: Partial<LookupInput> = {}): LookupInput {
  const set = new Set(files);
  return {
    env: { PATH: '/usr/local/bin:/opt/tftsr/bin:/usr/bin' },
    extensionPath: EXT,
    platform: 'linux',
    arch: 'x64',
    homeDir: '/home/ana',
    isFile: (p) => set.has(p),
    ...over,
  };
}

describe('locateServer order: setting, TFTSR_SERVER_PATH, bundled, PATH', () => {
  const all = ['/custom/tftsr', '/env/tftsr', BUNDLED, '/opt/tftsr/bin/tftsr'];

  it('takes the setting first', () => {
    const r = locateServer(input(all, { settingPath: '/custom/tftsr', env: { TFTSR_SERVER_PATH: '/env/tftsr', PATH: '/opt/tftsr/bin' } }));
    assert.deepEqual(r, { path: '/custom/tftsr', source: 'setting' });
  });

  it('takes TFTSR_SERVER_PATH when the setting is empty or blank', () => {
    for (const settingPath of [undefined, '', '   ']) {
      const r = locateServer(input(all, { settingPath, env: { TFTSR_SERVER_PATH: '/env/tftsr', PATH: '/opt/tftsr/bin' } }));
      assert.deepEqual(r, { path: '/env/tftsr', source: 'env' });
    }
  });

  it('takes the bundled binary before PATH', () => {
    const r = locateServer(input(all));
    assert.deepEqual(r, { path: BUNDLED, source: 'bundled' });
  });

  it('searches PATH in order, skipping empty entries', () => {
    const r = locateServer(input(['/opt/tftsr/bin/tftsr', '/usr/bin/tftsr'], { env: { PATH: '::/nowhere:/opt/tftsr/bin:/usr/bin' } }));
    assert.deepEqual(r, { path: '/opt/tftsr/bin/tftsr', source: 'path' });
  });

  it('does not fall through when the setting points nowhere', () => {
    assert.throws(
      () => locateServer(input(['/opt/tftsr/bin/tftsr', BUNDLED], { settingPath: '/typo/tftsr' })),
      (e: unknown) => e instanceof ServerBinaryError && e.source === 'setting' && /tftsr\.server\.path.*\/typo\/tftsr/.test(e.message),
    );
  });

  it('does not fall through when TFTSR_SERVER_PATH points nowhere', () => {
    assert.throws(
      () => locateServer(input([BUNDLED], { env: { TFTSR_SERVER_PATH: '/gone/tftsr', PATH: '' } })),
      (e: unknown) => e instanceof ServerBinaryError && e.source === 'env' && e.message.includes('/gone/tftsr'),
    );
  });

  it('explains every step when nothing is found', () => {
    assert.throws(
      () => locateServer(input([], { env: { PATH: '/usr/bin' } })),
      (e: unknown) =>
        e instanceof ServerBinaryError &&
        e.source === undefined &&
        /tftsr\.server\.path is empty/.test(e.message) &&
        /TFTSR_SERVER_PATH is not set/.test(e.message) &&
        /bundled binary for linux-x64/.test(e.message) &&
        /not on PATH/.test(e.message),
    );
  });

  it('expands ~ and resolves a relative setting against the workspace folder', () => {
    const r1 = locateServer(input(['/home/ana/bin/tftsr'], { settingPath: '~/bin/tftsr' }));
    assert.equal(r1.path, '/home/ana/bin/tftsr');
    const r2 = locateServer(input(['/work/proj/target/debug/tftsr'], { settingPath: 'target/debug/tftsr', workspaceFolder: '/work/proj' }));
    assert.equal(r2.path, '/work/proj/target/debug/tftsr');
  });

  it('uses tftsr.exe, ";" and the Path variable on Windows', () => {
    const r = locateServer({
      env: { Path: 'C:\\Windows;C:\\Tools\\tftsr' },
      extensionPath: 'C:\\ext',
      platform: 'win32',
      arch: 'x64',
      homeDir: 'C:\\Users\\ana',
      isFile: (p) => p === 'C:\\Tools\\tftsr\\tftsr.exe',
    });
    assert.deepEqual(r, { path: 'C:\\Tools\\tftsr\\tftsr.exe', source: 'path' });
    assert.equal(bundledBinaryPath('C:\\ext', 'win32', 'arm64'), 'C:\\ext\\bin\\win32-arm64\\tftsr.exe');
  });

  it('names the bundled binary after vsce --target (platform-arch)', () => {
    assert.equal(bundledBinaryPath(EXT, 'darwin', 'arm64'), '/ext/tftsr-0.1.0/bin/darwin-arm64/tftsr');
    assert.equal(bundledBinaryPath(EXT, 'linux', 'x64'), BUNDLED);
  });

  it('expandUserPath leaves absolute paths alone', () => {
    assert.equal(expandUserPath('/a/b', '/home/x', '/ws', 'linux'), '/a/b');
    assert.equal(expandUserPath('~', '/home/x', '/ws', 'linux'), '/home/x');
    assert.equal(expandUserPath('rel', '/home/x', undefined, 'linux'), 'rel');
  });
});

describe('parseVersion', () => {
  const cases: [string, string | undefined][] = [
    ['tftsr 0.1.0\n', '0.1.0'],
    ['tftsr 12.3.45-beta.1\n', '12.3.45-beta.1'],
    ['warning: something\ntftsr 0.2.0\n', '0.2.0'],
    ['git version 2.39.2\n', undefined],
    ['tftsr-lsp 0.1.0\n', undefined],
    ['tftsr\n', undefined],
    ['', undefined],
  ];
  for (const [out, want] of cases) {
    it(`${JSON.stringify(out)} -> ${String(want)}`, () => assert.equal(parseVersion(out), want));
  }
});

describe('checkServerVersion runs the binary', { skip: process.platform === 'win32' }, () => {
  let dir: string;
  // The product gives --version 10 s; these tests give it longer, so a loaded machine (where
  // starting a 100 MB debug binary can take a while) cannot fail them. Only the hang test below
  // tests the time-out itself.
  const ANSWER_WAIT = 120000;
  const script = (name: string, body: string, mode = 0o755) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode });
    return p;
  };
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tftsr-ext-test-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('accepts a binary that answers like tftsr', async () => {
    const p = script('good', 'echo "tftsr 0.1.0"');
    assert.equal(await checkServerVersion({ path: p, source: 'setting' }, ANSWER_WAIT), '0.1.0');
  });

  it('rejects another program, naming where it came from', async () => {
    const p = script('other', 'echo "ripgrep 13.0.0"');
    await assert.rejects(checkServerVersion({ path: p, source: 'path' }, ANSWER_WAIT), (e: unknown) => {
      assert.ok(e instanceof ServerBinaryError);
      assert.equal(e.source, 'path');
      assert.match(e.message, /is not a tftsr binary/);
      assert.match(e.message, /from the PATH/);
      return true;
    });
  });

  it('reports the exit status and first stderr line of a failing binary', async () => {
    const p = script('broken', 'echo "error while loading shared libraries: libsqlcipher.so" >&2; exit 127');
    await assert.rejects(checkServerVersion({ path: p, source: 'env' }, ANSWER_WAIT), /exited with status 127 on --version: error while loading shared libraries/);
  });

  it('reports a file that is not executable', async () => {
    const p = script('noexec', 'echo "tftsr 0.1.0"', 0o644);
    await assert.rejects(checkServerVersion({ path: p, source: 'setting' }, ANSWER_WAIT), /is not executable/);
  });

  it('gives up on a binary that hangs', async () => {
    // It never answers: only the time-out can end the check (no wall-clock bound on the test
    // itself, which a loaded machine could exceed; the message says which path ended it).
    const p = script('hang', 'exec sleep 100000');
    await assert.rejects(checkServerVersion({ path: p, source: 'bundled' }, 300), /did not answer --version within 0.3 s/);
  });

  it('ensureExecutable restores a lost executable bit (unzipped .vsix)', async () => {
    const p = script('bundled', 'echo "tftsr 0.3.1"', 0o644);
    ensureExecutable(p);
    assert.equal(fs.statSync(p).mode & 0o111, 0o111);
    assert.equal(await checkServerVersion({ path: p, source: 'bundled' }, ANSWER_WAIT), '0.3.1');
  });

  // The real binary, when built (cargo build): the check must accept what clap prints.
  const real = process.env.TFTSR_BIN ?? path.resolve(__dirname, '../../../target/debug/tftsr');
  it('accepts the real tftsr binary', { skip: !fs.existsSync(real) && `no binary at ${real}` }, async () => {
    assert.match(await checkServerVersion({ path: real, source: 'env' }, ANSWER_WAIT), /^\d+\.\d+\.\d+/);
  });
});
