// The finding types the extension offers in its settings are the ones the server reports:
// package.json's enums against the real tftsr binary (scripts/finding-types.mjs --check).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const EXT_DIR = path.resolve(__dirname, '../..'); // out/test -> vscode-extension
const SCRIPT = path.join(EXT_DIR, 'scripts/finding-types.mjs');
const PKG = path.join(EXT_DIR, 'package.json');
const BIN = process.env.TFTSR_BIN ? path.resolve(process.env.TFTSR_BIN) : path.resolve(EXT_DIR, '../target/debug/tftsr');
const noBinary = fs.existsSync(BIN) ? false : `no tftsr binary at ${BIN} (cargo build, or set TFTSR_BIN)`;

type Items = { enum: string[]; enumDescriptions: string[] };
const props = (JSON.parse(fs.readFileSync(PKG, 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { items: Items }> } };
}).contributes.configuration.properties;

function check(pkg: string): { status: number | null; out: string } {
  // The time-out is a hang guard only (the check takes a second): generous for a loaded machine.
  const r = spawnSync(process.execPath, [SCRIPT, '--check', '--bin', BIN, '--package', pkg], { encoding: 'utf8', timeout: 600000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('finding types in package.json', () => {
  it('both type settings offer the same ids, each with a label, no id twice', () => {
    const enabled = props['tftsr.enabledTypes'].items;
    const disabled = props['tftsr.disabledTypes'].items;
    assert.deepEqual(enabled, disabled);
    assert.equal(new Set(enabled.enum).size, enabled.enum.length);
    assert.equal(enabled.enumDescriptions.length, enabled.enum.length);
    for (const id of enabled.enum) {
      assert.match(id, /^[a-z][a-z0-9_]*$/, id);
    }
  });

  it('equal the types the tftsr binary reports', { skip: noBinary }, () => {
    const r = check(PKG);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /lists the server's \d+ finding types/);
  });

  it('a package.json that drifted from the server fails the check, naming the ids', { skip: noBinary }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tftsr-types-test-'));
    try {
      const pkg = JSON.parse(fs.readFileSync(PKG, 'utf8')) as {
        contributes: { configuration: { properties: Record<string, { items: Items }> } };
      };
      const items = pkg.contributes.configuration.properties['tftsr.disabledTypes'].items;
      const dropped = items.enum[1];
      items.enum = [...items.enum.filter((id) => id !== dropped), 'not_a_type'];
      const file = path.join(dir, 'package.json');
      fs.writeFileSync(file, JSON.stringify(pkg, null, 2));
      const r = check(file);
      assert.equal(r.status, 1, r.out);
      assert.match(r.out, new RegExp(`tftsr\\.disabledTypes: missing ${dropped}\\b`));
      assert.match(r.out, /extra not_a_type/);
      assert.doesNotMatch(r.out, /tftsr\.enabledTypes/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
