// Drives code-server (VS Code 1.100.3 in the browser) with Debian's chromium via playwright-core,
// as a user would: keyboard, palette, Problems panel, quick fix, notifications.
// Env: CS_URL, E2E_WORKSPACE (holds app.log), E2E_OUT (screenshots, result.json), TFTSR_BIN,
//      E2E_MODE (packaged: the short run of an installed platform .vsix),
//      TFTSR_DATA_DIR + TFTSR_DB_KEY (the store the extension's server uses; for the CLI check).
// Each check prints "ok - name" or "not ok - name: why"; the first failure stops the run (later
// checks depend on it). Writes E2E_OUT/result.json {passed, failed}; exit 0 only if all passed.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const crypto = require('crypto');
const { chromium } = require('playwright-core');

const url = process.env.CS_URL;
const ws = process.env.E2E_WORKSPACE;
const out = process.env.E2E_OUT || '.';
const bin = process.env.TFTSR_BIN;
// E2E_MODE=packaged: the .vsix with the binary inside, nothing configured; only the checks that
// show it works out of the box (diagnostics, status bar, agreement with the CLI, which binary ran).
const packaged = process.env.E2E_MODE === 'packaged';
const FILE = 'app.log';
const file = path.join(ws, FILE);
const EMAIL = 'alice@example.com';
const IP = '173.234.31.186';
const IP2 = '10.20.30.40'; // the one "Ignore this value" allowlists
const original = fs.readFileSync(file, 'utf8');
const lines = original.split('\n');
const t0 = Date.now();
// How long one UI wait may take. A browser always uses some CPU, so UI waits cannot be
// progress-based like the other e2e waits; they return as soon as the element is there, so this
// is only a generous cap (a 2-core machine under load can take tens of seconds for one step).
const UI_WAIT = Number(process.env.E2E_UI_WAIT || 120000);
const log = (...a) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
let passed = 0;
let failed = 0;

async function check(name, fn) {
  try {
    const r = await fn();
    passed++;
    console.log(`ok - ${name}${r ? ` (${r})` : ''}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${e.message}`);
    throw e;
  }
}

/** "[Ln L, Col C]" of every occurrence of `needle`, as VS Code shows it: columns are UTF-16 units + 1. */
function expectedPositions(needle) {
  const pos = [];
  lines.forEach((l, i) => {
    // JS strings are UTF-16, so indexOf gives the UTF-16 column the server must report.
    for (let c = l.indexOf(needle); c >= 0; c = l.indexOf(needle, c + 1)) pos.push(`Ln ${i + 1}, Col ${c + 1}`);
  });
  return pos;
}

function tftsrCli(args) {
  // a hang guard only: the CLI answers in seconds
  const r = spawnSync(bin, args, { encoding: 'utf8', env: process.env, timeout: 10 * UI_WAIT });
  return { status: r.status, stdout: r.stdout || '', stderr: r.stderr || '' };
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tftsr-e2e-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  // The short pause is cosmetic (animations finish before the docs' screenshots); no check
  // depends on it.
  const shot = async (name) => {
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(out, `${name}.png`) });
  };
  const quickInput = page.locator('.quick-input-widget');
  const statusItem = page.locator('.statusbar-item', { hasText: 'TFTSR:' });
  const problemRows = page.locator('.markers-panel .monaco-list-row');

  async function palette(title) {
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').waitFor({ timeout: UI_WAIT });
    await page.keyboard.type(title);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: UI_WAIT });
    await page.keyboard.press('Enter');
  }
  async function statusCount(n, timeout = UI_WAIT) {
    const want = `TFTSR: ${n} finding${n === 1 ? '' : 's'}`;
    await page.waitForFunction((w) => [...document.querySelectorAll('.statusbar-item')].some((e) => e.innerText.trim() === w || e.innerText.trim().endsWith(w)),
      want, { timeout, polling: 100 }).catch(async () => {
      throw new Error(`status bar never showed "${want}"; it shows ${JSON.stringify(await statusItem.allInnerTexts())}`);
    });
    return want;
  }
  async function focusLog() {
    await page.locator('.tabs-container .tab', { hasText: FILE }).first().click();
    await page.locator('.monaco-editor.focused').waitFor({ timeout: UI_WAIT });
  }
  /** Puts the cursor on the problem of `type` on line `ln` (1-based), Ctrl+., focuses the action
   *  whose title matches `want` (keyboard only: the widget is under a pointer-blocking overlay). */
  async function focusCodeAction(type, ln, want) {
    await problemRows.filter({ hasText: `(${type})` }).filter({ hasText: `Ln ${ln},` }).first().click();
    await page.keyboard.press('Enter'); // reveal in the editor and focus it
    await page.locator('.monaco-editor.focused').waitFor({ timeout: UI_WAIT });
    await page.keyboard.press('Control+.');
    const focused = page.locator('.action-widget .monaco-list-row.focused');
    await focused.first().waitFor({ timeout: UI_WAIT });
    await moveFocusTo(focused, want);
    const chosen = (await focused.first().innerText()).trim();
    if (!want.test(chosen)) throw new Error(`no action matching ${want}; focused: ${chosen}`);
    return chosen;
  }
  /** Presses ArrowDown in a focused list until the focused row matches `want` (at most 10 rows),
   *  each time waiting for the focus to move instead of for a fixed time. */
  async function moveFocusTo(focused, want) {
    for (let i = 0; i < 10; i++) {
      const now = (await focused.first().innerText()).trim();
      if (want.test(now)) return;
      await page.keyboard.press('ArrowDown');
      await page.waitForFunction((before) => {
        const f = document.querySelector('.action-widget .monaco-list-row.focused');
        return f && f.innerText.trim() !== before;
      }, now, { timeout: UI_WAIT, polling: 50 });
    }
  }
  /** Waits until the Problems panel has `n` rows with a position (findings), however long the
   *  panel takes to render them; returns them. */
  async function findingRows(n) {
    await page.waitForFunction((want) => [...document.querySelectorAll('.markers-panel .monaco-list-row')]
      .filter((r) => /\[Ln \d+, Col \d+\]/.test(r.innerText)).length === want, n, { timeout: UI_WAIT, polling: 100 })
      .catch(async () => { throw new Error(`the Problems panel never showed ${n} findings: ${JSON.stringify(await problemTexts())}`); });
    return (await problemTexts()).filter((t) => /\[Ln \d+, Col \d+\]/.test(t));
  }
  async function problemTexts() {
    return (await problemRows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  }

  let ok = false;
  const title = `E2E checkout 502 ${Date.now().toString(36)}`;
  try {
    await page.goto(`${url}/?folder=${encodeURIComponent(ws)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: UI_WAIT });
    await page.locator('.explorer-folders-view').waitFor({ timeout: 30000 }).catch(() => {});
    log('workbench loaded');

    await check('open app.log with Quick Open', async () => {
      await page.keyboard.press('Control+P');
      await page.locator('.quick-input-widget input').waitFor({ timeout: UI_WAIT });
      await page.keyboard.type(FILE);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: FILE }).first().waitFor({ timeout: UI_WAIT });
      await page.keyboard.press('Enter');
      await page.locator('.tab', { hasText: FILE }).waitFor({ timeout: UI_WAIT });
    });

    // Problems panel: one row per finding, at UTF-16 columns (line 4 has 'José 😀 Ünïcödé 日本語' before it)
    const emailPos = expectedPositions(EMAIL);
    const ipPos = [...expectedPositions(IP), ...expectedPositions(IP2)];
    let total = 0;
    await check('Problems panel lists the e-mails and the IP at UTF-16 positions', async () => {
      await page.keyboard.press('Control+Shift+M');
      const emailRows = problemRows.filter({ hasText: /\(email\)/ });
      await emailRows.nth(emailPos.length - 1).waitFor({ timeout: UI_WAIT });
      // every row rendered: as many findings as the file holds e-mails and IPs (no fixed settle time)
      await findingRows(emailPos.length + ipPos.length);
      const texts = await problemTexts();
      log('problems:', JSON.stringify(texts));
      const emails = texts.filter((t) => /\(email\)/.test(t));
      if (emails.length !== emailPos.length) throw new Error(`expected ${emailPos.length} email rows, got ${JSON.stringify(emails)}`);
      for (const p of emailPos) {
        if (!emails.some((t) => t.includes(`[${p}]`))) throw new Error(`no email problem at [${p}]: ${JSON.stringify(emails)}`);
      }
      if (texts.some((t) => t.includes(EMAIL) || t.includes(IP) || t.includes(IP2))) throw new Error('a problem message shows the matched value');
      const ips = texts.filter((t) => /\(ipv4\)/.test(t));
      if (ips.length !== ipPos.length || !ipPos.every((p) => ips.some((t) => t.includes(`[${p}]`)))) {
        throw new Error(`expected ipv4 at ${JSON.stringify(ipPos)}: ${JSON.stringify(ips)}`);
      }
      total = texts.filter((t) => /\[Ln \d+, Col \d+\]/.test(t)).length;
      return `email ${emailPos.join('; ')}; ipv4 ${ipPos.join('; ')}; ${total} problems`;
    });
    await shot('problems');

    await check('status bar shows the finding count of the active log', () => statusCount(total));

    // The CLI scans the same file with the same engine: the editor must show exactly its findings,
    // its character columns turned into UTF-16 ones.
    await check('Problems panel agrees with `tftsr scan --format jsonl` (chars -> UTF-16)', async () => {
      const scan = tftsrCli(['scan', '--format', 'jsonl', file]);
      if (scan.status !== 1) throw new Error(`tftsr scan exit ${scan.status}: ${scan.stderr.trim()}`);
      const want = scan.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((f) => {
        const col16 = [...lines[f.line - 1]].slice(0, f.column - 1).join('').length + 1;
        return `${f.type} [Ln ${f.line}, Col ${col16}]`;
      }).sort();
      const got = (await problemTexts()).map((t) => /\((\w+)\).*(\[Ln \d+, Col \d+\])/.exec(t)).filter(Boolean)
        .map((m) => `${m[1]} ${m[2]}`).sort();
      if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`editor ${JSON.stringify(got)} vs CLI ${JSON.stringify(want)}`);
      return `${want.length} findings`;
    });

    if (packaged) {
      // The packaged .vsix: no tftsr.server.path, no TFTSR_SERVER_PATH, no tftsr on PATH. The
      // findings above came from the binary inside the extension; its output channel says so.
      await check('the server is the binary bundled in the .vsix (TFTSR: Show Server Output)', async () => {
        await focusLog();
        await palette('TFTSR: Show Server Output');
        const view = page.locator('.part.panel .monaco-editor .view-lines');
        await view.filter({ hasText: /Using\stftsr\s\d+\.\d+\.\d+\sat\s/ }).first().waitFor({ timeout: 15000 });
        const text = (await view.first().innerText()).replace(/\s+/g, ' ');
        const m = /Using tftsr (\S+) at (\S+) \(([^)]*)\)/.exec(text);
        if (!m) throw new Error(`no "Using tftsr … at …" line: ${text.slice(0, 300)}`);
        if (m[3] !== 'binary bundled with the extension') throw new Error(`the server came from the ${m[3]}`);
        if (path.resolve(m[2]) !== path.resolve(bin)) throw new Error(`server ${m[2]}, want the bundled ${bin}`);
        await shot('packaged-output');
        return `tftsr ${m[1]} at ${m[2]}`;
      });
      ok = failed === 0;
      log(ok ? 'PASS' : 'FAIL');
      return;
    }

    // Settings reach the running server (workspace/didChangeConfiguration): maxDiagnostics 2 gives
    // 2 findings + the truncation summary, and the status bar asks tftsr.documentStats for the total.
    const wsSettings = (obj) => {
      fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
      fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify(obj));
    };
    await check('tftsr.maxDiagnostics=2 applies live: 2 problems + summary, status still counts all', async () => {
      wsSettings({ 'tftsr.maxDiagnostics': 2, 'tftsr.severity': { ipv4: 'error' } });
      await page.waitForFunction(() => [...document.querySelectorAll('.markers-panel .monaco-list-row')]
        .some((r) => r.innerText.includes('tftsr.truncated')), null, { timeout: UI_WAIT });
      const rows = await findingRows(3);
      const findings = rows.filter((t) => !t.includes('tftsr.truncated'));
      if (findings.length !== 2 || rows.length !== 3) throw new Error(`rows: ${JSON.stringify(rows)}`);
      await statusCount(total);
      // severity setting: ipv4 findings are errors now (the Problems panel's error count)
      const errors = await page.locator('.markers-panel .monaco-list-row .codicon-error').count();
      if (errors < 1) throw new Error('tftsr.severity {ipv4: error} not applied');
      wsSettings({});
      await page.waitForFunction((n) => [...document.querySelectorAll('.markers-panel .monaco-list-row')]
        .filter((r) => /\[Ln \d+, Col \d+\]/.test(r.innerText)).length === n, total, { timeout: UI_WAIT });
      await statusCount(total);
      return `${rows.length} rows while limited, ${total} after`;
    });

    // Quick fix on the multi-byte line: select its problem (moves the cursor there), Ctrl+., Enter
    const mbLine = lines.findIndex((l) => l.includes('😀') && l.includes(EMAIL));
    await check('quick fix "Redact Email…" on the multi-byte line', async () => {
      // the single-finding fix ("Redact Email address", not "Redact all …")
      const chosen = await focusCodeAction('email', mbLine + 1, /^Redact Email(?! .*\ball\b)/i);
      await shot('quickfix');
      await page.keyboard.press('Enter');
      await statusCount(total - 1);
      return chosen;
    });

    await check('save writes the redacted line to disk', async () => {
      await page.keyboard.press('Control+S');
      await page.waitForFunction(() => !document.querySelector('.tab.dirty'), null, { timeout: UI_WAIT });
      const disk = fs.readFileSync(file, 'utf8').split('\n');
      const want = lines[mbLine].replace(EMAIL, '[Email]');
      if (disk[mbLine] !== want) throw new Error(`line ${mbLine + 1} on disk: ${JSON.stringify(disk[mbLine])}, want ${JSON.stringify(want)}`);
      const others = disk.filter((_, i) => i !== mbLine);
      if (others.join('\n') !== lines.filter((_, i) => i !== mbLine).join('\n')) throw new Error('other lines changed');
      return JSON.stringify(disk[mbLine]);
    });

    // Scan Large File on Disk…: big.log (app.log x BIG_REPEAT, never opened in the editor) through
    // the open dialog (code-server's path-typing dialog), tftsr.scanFile, report preview.
    await check('"TFTSR: Scan Large File on Disk…" writes a redacted copy and shows the report', async () => {
      const big = path.join(ws, 'big.log');
      const repeat = Number(process.env.BIG_REPEAT || 2000);
      const perCopy = total; // findings in one copy of app.log, as the Problems panel showed
      await palette('TFTSR: Scan Large File on Disk');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: UI_WAIT });
      // The path-typing dialog fills in its folder and lists it asynchronously, and rewrites the
      // input when it does: type the path once it has listed the folder (big.log is in it), and
      // again if the dialog still rewrote it.
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'big.log' }).first().waitFor({ timeout: UI_WAIT });
      for (let tries = 1; ; tries++) {
        await input.fill(big);
        const kept = await page.waitForFunction((v) => document.querySelector('.quick-input-widget input').value === v,
          big, { timeout: 1000, polling: 50 }).then(() => true, () => false);
        if (kept) break;
        if (tries === 20) throw new Error(`the file dialog keeps rewriting the path: ${JSON.stringify(await input.inputValue())}`);
      }
      await page.keyboard.press('Enter');
      const body = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame').locator('body');
      await body.filter({ hasText: 'TFTSR scan report' }).first().waitFor({ timeout: UI_WAIT });
      const text = (await body.first().innerText()).replace(/\s+/g, ' ');
      const m = /Findings: (\d+)/.exec(text);
      if (!m || Number(m[1]) !== perCopy * repeat) throw new Error(`report says ${m && m[1]}, want ${perCopy * repeat}: ${text.slice(0, 300)}`);
      const copy = path.join(ws, 'big.redacted.log');
      if (!fs.existsSync(copy)) throw new Error(`no redacted copy at ${copy}`);
      const red = fs.readFileSync(copy, 'utf8');
      if (red.includes(EMAIL) || red.includes(IP)) throw new Error('the redacted copy still holds PII');
      if (red.split('\n').length !== fs.readFileSync(big, 'utf8').split('\n').length) throw new Error('line count changed');
      await shot('scan-report');
      await palette('Notifications: Clear All Notifications'); // keep later screenshots clean
      await focusLog();
      return `${m[1]} findings, ${(fs.statSync(big).size / 1e6).toFixed(1)} MB`;
    });

    await check('"TFTSR: Attach Log to Issue…" with a new issue', async () => {
      await palette('TFTSR: Attach Log to Issue');
      await quickInput.filter({ hasText: 'Attach app.log to an issue' }).waitFor({ timeout: UI_WAIT });
      await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'New issue' }).waitFor({ timeout: UI_WAIT });
      await page.keyboard.press('Enter');
      await quickInput.filter({ hasText: 'New issue (1/2)' }).waitFor({ timeout: UI_WAIT });
      await page.keyboard.type(title);
      await page.keyboard.press('Enter');
      await quickInput.filter({ hasText: 'New issue (2/2): severity' }).waitFor({ timeout: UI_WAIT });
      await page.keyboard.type('high');
      await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'high' }).waitFor({ timeout: UI_WAIT });
      await page.keyboard.press('Enter');
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: `attached ${FILE} to` });
      await toast.waitFor({ timeout: UI_WAIT });
      const msg = (await toast.innerText()).replace(/\s+/g, ' ');
      // the log still held total-1 findings when it was attached
      if (!msg.includes(`(${total - 1} findings recorded)`)) throw new Error(`unexpected message: ${msg}`);
      await toast.locator('.monaco-button', { hasText: 'Show Issue' }).click();
      return msg.slice(0, 120);
    });

    await check('the issue preview (tftsr.getIssue markdown) names the issue and the log', async () => {
      await page.locator('.tab', { hasText: /Preview/ }).first().waitFor({ timeout: UI_WAIT });
      const body = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame').locator('body');
      await body.filter({ hasText: title }).waitFor({ timeout: UI_WAIT });
      const text = await body.innerText();
      if (!text.includes(FILE)) throw new Error(`preview does not mention ${FILE}: ${text.slice(0, 300)}`);
      if (text.includes(EMAIL) || text.includes(IP)) throw new Error('the issue preview shows a matched value');
      await shot('issue');
    });

    await check('"TFTSR: Search Issues" finds the issue and opens it', async () => {
      await focusLog();
      await palette('TFTSR: Search Issues');
      await quickInput.filter({ hasText: 'TFTSR: Search Issues' }).waitFor({ timeout: UI_WAIT });
      await page.keyboard.type('checkout');
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title });
      await row.first().waitFor({ timeout: UI_WAIT });
      await row.first().click();
      const body = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame').locator('body');
      await body.filter({ hasText: title }).first().waitFor({ timeout: UI_WAIT });
    });

    const title2 = `E2E created from the palette ${Date.now().toString(36)}`;
    await check('"TFTSR: Create Issue" (title, severity, description)', async () => {
      await focusLog(); // keyboard focus out of the preview's webview, so F1 reaches the workbench
      await palette('TFTSR: Create Issue');
      await quickInput.filter({ hasText: 'New issue (1/3)' }).waitFor({ timeout: UI_WAIT });
      await page.keyboard.type(title2);
      await page.keyboard.press('Enter');
      await quickInput.filter({ hasText: 'New issue (2/3): severity' }).waitFor({ timeout: UI_WAIT });
      await page.keyboard.type('low');
      await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'low' }).waitFor({ timeout: UI_WAIT });
      await page.keyboard.press('Enter');
      await quickInput.filter({ hasText: 'New issue (3/3): description' }).waitFor({ timeout: UI_WAIT });
      await page.keyboard.type('Only a description, no log.');
      await page.keyboard.press('Enter');
      await page.locator('.notifications-toasts .notification-toast', { hasText: `created issue "${title2}"` }).waitFor({ timeout: UI_WAIT });
      await palette('Notifications: Clear All Notifications');
    });

    // The server's source action "Attach log to issue…" sends {uri} only: the extension's
    // middleware opens the same picker, where the issue created above is now an open issue.
    await check('Source Action "Attach log to issue…" attaches to the existing issue', async () => {
      await focusLog();
      await palette('Source Action');
      const focused = page.locator('.action-widget .monaco-list-row.focused');
      await focused.first().waitFor({ timeout: UI_WAIT });
      await moveFocusTo(focused, /^Attach log to issue/);
      if (!/^Attach log to issue/.test((await focused.first().innerText()).trim())) throw new Error('no "Attach log to issue…" source action');
      await page.keyboard.press('Enter');
      await quickInput.filter({ hasText: 'Attach app.log to an issue' }).waitFor({ timeout: UI_WAIT });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: UI_WAIT });
      await page.keyboard.type(title);
      await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: title }).waitFor({ timeout: UI_WAIT });
      await page.keyboard.press('Enter');
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: `attached ${FILE} to "${title}"` });
      await toast.waitFor({ timeout: UI_WAIT });
      await palette('Notifications: Clear All Notifications');
    });

    const cli = tftsrCli(['issue', 'list', '--json']);
    if (cli.status === 0) {
      await check('tftsr issue show --json: the issue holds the log', () => {
        const list = JSON.parse(cli.stdout);
        const all = Array.isArray(list) ? list : list.issues || [];
        const created = all.find((i) => i.title === title2);
        if (!created || created.severity !== 'low' || created.description !== 'Only a description, no log.') {
          throw new Error(`"Create Issue" result not in the store as typed: ${JSON.stringify(created)}`);
        }
        const issue = all.find((i) => i.title === title);
        if (!issue) throw new Error(`issue "${title}" not in tftsr issue list --json`);
        if (issue.severity !== 'high') throw new Error(`severity ${issue.severity}`);
        const show = tftsrCli(['issue', 'show', issue.id, '--json']);
        if (show.status !== 0) throw new Error(`tftsr issue show: ${show.stderr.trim()}`);
        const detail = JSON.parse(show.stdout);
        const logs = detail.log_files || [];
        const lf = logs.find((l) => l.file_name === FILE);
        if (!lf) throw new Error(`no ${FILE} among log_files: ${JSON.stringify(logs.map((l) => l.file_name))}`);
        // attached twice: palette + new issue, then source action + existing issue
        if (logs.length !== 2) throw new Error(`expected 2 log files, got ${logs.length}`);
        if (show.stdout.includes(EMAIL)) throw new Error('the stored issue shows the e-mail in clear');
        // the store is SQLCipher: no plain SQLite header, and another key cannot read it
        const db = path.join(process.env.TFTSR_DATA_DIR, 'tftsr.db');
        const head = fs.readFileSync(db).subarray(0, 16).toString('latin1');
        if (head.startsWith('SQLite format 3')) throw new Error(`${db} is a plain SQLite file`);
        const wrong = spawnSync(bin, ['issue', 'list', '--json'], {
          encoding: 'utf8', env: { ...process.env, TFTSR_DB_KEY: 'not-the-key' }, timeout: 10 * UI_WAIT });
        if (wrong.status === 0) throw new Error('the store opened with a wrong key');
        return `issue ${issue.id}, log_file ${lf.id}, encrypted store`;
      });
    } else {
      console.log(`skip - tftsr issue list --json unavailable (exit ${cli.status}: ${cli.stderr.trim().split('\n')[0]})`);
    }

    // "Ignore this value" runs the server command tftsr.ignoreValue (registered by the client)
    await check('"Ignore this value" allowlists 10.20.30.40 in the workspace .tftsr.toml', async () => {
      await focusLog();
      await page.keyboard.press('Control+Shift+M');
      const ln = lines.findIndex((l) => l.includes(IP2)) + 1;
      await focusCodeAction('ipv4', ln, /^Ignore this value$/);
      await page.keyboard.press('Enter');
      await statusCount(total - 2);
      const toml = path.join(ws, '.tftsr.toml');
      if (!fs.existsSync(toml)) throw new Error('no .tftsr.toml in the workspace');
      const body = fs.readFileSync(toml, 'utf8');
      // Keyed (HMAC-SHA-256 under TFTSR_FINGERPRINT_KEY, set by run.sh), never the plain SHA-256.
      const key = Buffer.from(process.env.TFTSR_FINGERPRINT_KEY, 'hex');
      const fp = crypto.createHmac('sha256', key).update(IP2).digest('hex');
      if (body.includes(crypto.createHash('sha256').update(IP2).digest('hex'))) {
        throw new Error('.tftsr.toml holds the plain SHA-256 of the value');
      }
      if (!body.includes(fp)) throw new Error(`.tftsr.toml lacks the fingerprint: ${body}`);
      if (body.includes(IP2)) throw new Error('.tftsr.toml holds the value in clear');
      return `fingerprint ${fp.slice(0, 12)}…`;
    });

    await check('"TFTSR: Redact All PII in File" clears every finding, saved to disk', async () => {
      await focusLog();
      await palette('TFTSR: Redact All PII in File');
      await statusCount(0);
      await page.keyboard.press('Control+S');
      await page.waitForFunction(() => !document.querySelector('.tab.dirty'), null, { timeout: UI_WAIT });
      const disk = fs.readFileSync(file, 'utf8');
      if (disk.includes(EMAIL) || disk.includes(IP)) throw new Error(`PII left on disk: ${JSON.stringify(disk)}`);
      if (!disk.includes(IP2)) throw new Error('the ignored value was redacted anyway');
      if (!disk.includes('[IPv4]') || (disk.match(/\[Email\]/g) || []).length !== emailPos.length) {
        throw new Error(`unexpected redaction: ${JSON.stringify(disk)}`);
      }
      await page.keyboard.press('Control+Shift+M');
      await findingRows(0); // fails with the rows left if they never go
      await shot('redacted');
    });

    await check('"TFTSR: Restart Server" brings the diagnostics back; "Show Server Output" shows the log', async () => {
      await focusLog();
      await palette('TFTSR: Restart Server');
      await page.locator('.statusbar-item', { hasText: 'language server restarted' }).first().waitFor({ timeout: UI_WAIT });
      await statusCount(0);
      await palette('TFTSR: Show Server Output');
      // the output channel is a read-only editor in the panel
      const view = page.locator('.part.panel .monaco-editor .view-lines');
      await view.filter({ hasText: /Using\stftsr\s\d+\.\d+\.\d+\sat\s/ }).first().waitFor({ timeout: UI_WAIT });
      const text = await view.first().innerText();
      if (text.includes(EMAIL) || text.includes(IP)) throw new Error('the server output shows a matched value');
      await focusLog();
    });

    // A binary that is not there: an actionable error whose button opens the setting.
    await check('a wrong tftsr.server.path gives an error with an "Open Setting" button', async () => {
      // workspace settings: the workspace folder is watched (code-server does not notice external
      // edits of the user settings file)
      fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
      fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'tftsr.server.path': '/nonexistent/tftsr' }));
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'tftsr.server.path is set to' });
      await toast.waitFor({ timeout: UI_WAIT });
      await shot('missing-binary');
      await toast.locator('.monaco-button', { hasText: 'Open Setting' }).click();
      await page.locator('.settings-editor .setting-item-contents', { hasText: 'Server: Path' }).first().waitFor({ timeout: UI_WAIT });
      await statusItem.filter({ hasText: 'server not running' }).first().waitFor({ timeout: 5000 }).catch(() => {});
    });

    ok = failed === 0;
    log(ok ? 'PASS' : 'FAIL');
  } catch (e) {
    console.error('FAIL:', e.message.split('\n')[0]);
    await page.screenshot({ path: path.join(out, 'failure.png') }).catch(() => {});
  } finally {
    await ctx.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
    fs.writeFileSync(path.join(out, 'result.json'), JSON.stringify({ passed, failed: failed || (ok ? 0 : 1) }));
    // here, not after the block: the packaged run returns from inside the try
    process.exit(ok ? 0 : 1);
  }
})();
