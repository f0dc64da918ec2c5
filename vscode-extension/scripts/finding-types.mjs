// The finding types in package.json (the enums of tftsr.enabledTypes / tftsr.disabledTypes) come
// from the server, not from a second hand-kept list: this script asks the `tftsr` binary which
// types it reports and writes them into package.json, or (--check) fails when they differ.
//
// Usage: node scripts/finding-types.mjs [--check] [--bin TFTSR] [--package package.json]
//   --bin      the tftsr binary (default: $TFTSR_BIN, else ../target/debug/tftsr)
//   --check    compare only; exit 1 naming every id missing from or extra in package.json
// The server's list: `tftsr types --json` (id, label, …). A binary without that command gives it
// through the SARIF rule catalogue instead (`scan --format sarif` lists every built-in rule).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const extDir = path.resolve(here, '..');
const TYPE_SETTINGS = ['tftsr.enabledTypes', 'tftsr.disabledTypes'];

function parseArgs(argv) {
  const opts = {
    check: false,
    bin: process.env.TFTSR_BIN || path.resolve(extDir, '../target/debug/tftsr'),
    pkg: path.join(extDir, 'package.json'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') {
      opts.check = true;
    } else if (a === '--bin' && i + 1 < argv.length) {
      opts.bin = path.resolve(argv[++i]);
    } else if (a === '--package' && i + 1 < argv.length) {
      opts.pkg = path.resolve(argv[++i]);
    } else {
      throw new Error(`unknown argument ${a} (usage: finding-types.mjs [--check] [--bin TFTSR] [--package FILE])`);
    }
  }
  return opts;
}

function run(bin, args, cwd) {
  return execFileSync(bin, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 });
}

/** [{id, label}] in the server's order, and the route they came by. */
function serverTypes(bin) {
  if (!fs.existsSync(bin)) {
    throw new Error(`no tftsr binary at ${bin} (cargo build, or pass --bin / TFTSR_BIN)`);
  }
  // An empty directory as working directory: no .tftsr.toml of this repository can add custom rules.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tftsr-types-'));
  try {
    let json;
    try {
      json = run(bin, ['types', '--json'], tmp);
    } catch (e) {
      // clap's "unrecognized subcommand" (exit 2) on a binary that predates `tftsr types`
      if (!/unrecognized subcommand/.test(String(e.stderr))) {
        throw new Error(`${bin} types --json failed: ${String(e.stderr || e.message).trim()}`);
      }
    }
    if (json !== undefined) {
      const list = JSON.parse(json);
      if (!Array.isArray(list) || !list.every((t) => t && typeof t.id === 'string')) {
        throw new Error(`${bin} types --json did not print an array of {id, …}`);
      }
      return { route: 'tftsr types --json', types: list.map((t) => ({ id: t.id, label: String(t.label ?? t.id) })) };
    }
    const empty = path.join(tmp, 'empty.log');
    fs.writeFileSync(empty, '');
    const sarif = JSON.parse(run(bin, ['scan', '--format', 'sarif', '--quiet', empty], tmp));
    const rules = sarif.runs?.[0]?.tool?.driver?.rules;
    if (!Array.isArray(rules) || rules.length === 0) {
      throw new Error(`${bin} scan --format sarif lists no rules`);
    }
    const builtin = rules.filter((r) => !(r.properties?.tags ?? []).includes('custom'));
    return {
      route: 'tftsr scan --format sarif (rule catalogue)',
      types: builtin.map((r) => ({ id: r.id, label: String(r.shortDescription?.text ?? r.id) })),
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const { route, types } = serverTypes(opts.bin);
  const text = fs.readFileSync(opts.pkg, 'utf8');
  const pkg = JSON.parse(text);
  const props = pkg.contributes.configuration.properties;
  const want = types.map((t) => t.id);
  if (opts.check) {
    let bad = 0;
    for (const key of TYPE_SETTINGS) {
      const have = props[key]?.items?.enum ?? [];
      const missing = want.filter((id) => !have.includes(id));
      const extra = have.filter((id) => !want.includes(id));
      const order = missing.length === 0 && extra.length === 0 && have.join() !== want.join();
      if (missing.length || extra.length || order) {
        bad++;
        console.error(
          `${key}: ${missing.length ? `missing ${missing.join(', ')}` : ''}${extra.length ? ` extra ${extra.join(', ')}` : ''}` +
            `${order ? 'same ids in another order' : ''}`,
        );
      }
      const labels = props[key]?.items?.enumDescriptions ?? [];
      if (!order && !missing.length && !extra.length && labels.join('\n') !== types.map((t) => t.label).join('\n')) {
        bad++;
        console.error(`${key}: enumDescriptions are not the server's labels`);
      }
    }
    if (bad) {
      console.error(`package.json is out of date with ${route}: run npm run finding-types`);
      process.exit(1);
    }
    console.log(`package.json lists the server's ${want.length} finding types (${route})`);
    return;
  }
  for (const key of TYPE_SETTINGS) {
    props[key].items.enum = want;
    props[key].items.enumDescriptions = types.map((t) => t.label);
  }
  const out = `${JSON.stringify(pkg, null, 2)}\n`;
  if (out !== text) {
    fs.writeFileSync(opts.pkg, out);
    console.log(`wrote ${want.length} finding types into ${path.relative(process.cwd(), opts.pkg)} (${route})`);
  } else {
    console.log(`package.json already lists the server's ${want.length} finding types (${route})`);
  }
}

try {
  main();
} catch (e) {
  console.error(`finding-types: ${e.message}`);
  process.exit(2);
}
