// package.json as Open VSX and the Marketplace read it: what a registry needs to list the
// extension (repository, icon, categories, keywords, changelog, license) and what the packaging
// relies on (the files the .vsix may hold).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const EXT_DIR = path.resolve(__dirname, '../..'); // out/test -> vscode-extension
const pkg = JSON.parse(fs.readFileSync(path.join(EXT_DIR, 'package.json'), 'utf8')) as {
  name: string;
  publisher: string;
  version: string;
  license: string;
  displayName: string;
  description: string;
  repository: { type: string; url: string; directory?: string };
  homepage: string;
  bugs: { url: string };
  icon: string;
  categories: string[];
  keywords: string[];
};

// The categories the Marketplace and Open VSX accept (vsce rejects others).
const CATEGORIES = [
  'Azure', 'Data Science', 'Debuggers', 'Education', 'Extension Packs', 'Formatters', 'Keymaps',
  'Language Packs', 'Linters', 'Machine Learning', 'Notebooks', 'Other', 'Programming Languages',
  'SCM Providers', 'Snippets', 'Testing', 'Themes', 'Visualization', 'AI', 'Chat',
];

describe('package.json for a registry', () => {
  it('names a real repository, homepage and issue tracker (no placeholder)', () => {
    assert.equal(pkg.repository.type, 'git');
    for (const url of [pkg.repository.url, pkg.homepage, pkg.bugs.url]) {
      const u = new URL(url);
      assert.equal(u.protocol, 'https:', url);
      assert.ok(!/(^|\.)(invalid|example|localhost)(\.|$)/.test(u.hostname), `placeholder host in ${url}`);
    }
    const base = pkg.repository.url.replace(/\.git$/, '');
    assert.ok(pkg.homepage.startsWith(base) && pkg.bugs.url.startsWith(base), 'homepage and bugs are in the repository');
    assert.equal(pkg.repository.directory, 'vscode-extension');
  });

  it('has a 128x128 PNG icon that the .vsix ships', () => {
    const png = fs.readFileSync(path.join(EXT_DIR, pkg.icon));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'not a PNG');
    assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
    const ignore = fs.readFileSync(path.join(EXT_DIR, '.vscodeignore'), 'utf8').split('\n');
    assert.ok(ignore.includes(`!${path.dirname(pkg.icon)}/**`), '.vscodeignore keeps the icon out of the package');
  });

  it('uses registry categories and at most 30 keywords, none twice', () => {
    assert.ok(pkg.categories.length > 0);
    for (const c of pkg.categories) {
      assert.ok(CATEGORIES.includes(c), `unknown category ${c}`);
    }
    assert.ok(pkg.keywords.length >= 5 && pkg.keywords.length <= 30, `${pkg.keywords.length} keywords`);
    assert.equal(new Set(pkg.keywords).size, pkg.keywords.length);
  });

  it('has a license file and a changelog entry for this version', () => {
    assert.match(pkg.license, /^(MIT|Apache-2\.0)( OR (MIT|Apache-2\.0))?$/);
    assert.ok(fs.statSync(path.join(EXT_DIR, 'LICENSE')).size > 0);
    const changelog = fs.readFileSync(path.join(EXT_DIR, 'CHANGELOG.md'), 'utf8');
    assert.match(changelog, new RegExp(`^## ${pkg.version.replace(/\./g, '\\.')}\\b`, 'm'));
  });

  it('says what it is in a few words', () => {
    assert.ok(pkg.displayName.length > 0 && pkg.displayName.length <= 50, pkg.displayName);
    assert.ok(pkg.description.length >= 20 && pkg.description.length <= 300);
    assert.match(`${pkg.publisher}.${pkg.name}`, /^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9-]*$/);
  });
});
