// Status bar text, pick-list rows and the scan report.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  countFindings,
  issueItem,
  refusalReason,
  scanReportMarkdown,
  slug,
  statusText,
  statusTooltip,
  validateTitle,
} from '../src/format';

describe('status bar', () => {
  it('says "N findings" with the right plural', () => {
    assert.equal(statusText(0), '$(shield) TFTSR: 0 findings');
    assert.equal(statusText(1), '$(shield) TFTSR: 1 finding');
    assert.equal(statusText(37), '$(shield) TFTSR: 37 findings');
    assert.equal(statusText(1000, true), '$(shield) TFTSR: 1000 findings+');
  });

  it('counts only tftsr diagnostics, by type, and spots the truncation summary', () => {
    const r = countFindings([
      { source: 'tftsr', code: 'email' },
      { source: 'tftsr', code: 'email' },
      { source: 'tftsr', code: { value: 'ipv4' } },
      { source: 'cSpell', code: 'email' },
      { source: undefined, code: 'email' },
      { source: 'tftsr', code: 'tftsr.truncated' },
    ]);
    assert.deepEqual(r, { findings: 3, byType: { email: 2, ipv4: 1 }, truncated: true });
    assert.deepEqual(countFindings([]), { findings: 0, byType: {}, truncated: false });
  });

  it('tooltip lists types by count, then name', () => {
    assert.equal(statusTooltip({ ipv4: 2, email: 5, jwt: 2, phone: 0 }), 'email: 5\nipv4: 2\njwt: 2\n\nClick to open the Problems panel');
    assert.match(statusTooltip({}), /^No PII or secrets found/);
  });
});

describe('issue rows', () => {
  const issue = {
    id: '0191',
    title: '  Checkout\nfails   502 ',
    severity: 'high',
    status: 'open',
    created_at: '2026-11-29 10:00:00',
    description: 'since deploy',
  };
  it('shows title, severity/status/date and the snippet or description', () => {
    assert.deepEqual(issueItem(issue), { label: 'Checkout fails 502', description: 'high · open · 2026-11-29 10:00:00', detail: 'since deploy' });
    assert.equal(issueItem(issue, 'the [checkout] failed').detail, 'the [checkout] failed');
    assert.equal(issueItem({ ...issue, description: null, created_at: undefined }).detail, undefined);
    assert.equal(issueItem({ ...issue, title: '' }).label, '(untitled)');
    assert.ok(issueItem({ ...issue, description: 'x'.repeat(500) }).detail!.length <= 160);
  });

  it('slugs titles for preview tab names', () => {
    assert.equal(slug('Café 😀 down: prod/eu-1!'), 'Cafe-down-prod-eu-1');
    assert.equal(slug('😀'), 'issue');
  });

  it('requires a non-blank title', () => {
    assert.equal(validateTitle('x'), undefined);
    assert.equal(validateTitle('   '), 'A title is required');
  });
});

describe('scan report', () => {
  it('lists counts per type and both paths, escaped', () => {
    const md = scanReportMarkdown({ input: '/var/log/app_1.log', output: '/var/log/app_1.redacted.log', findings: 7, byType: { ipv4: 2, email: 5 } });
    assert.match(md, /\*\*Scanned:\*\* \/var\/log\/app\\_1\\\.log/);
    assert.match(md, /\*\*Findings:\*\* 7/);
    assert.ok(md.indexOf('`email` | 5') < md.indexOf('`ipv4` | 2'));
    const none = scanReportMarkdown({ input: 'a', output: 'b', findings: 0, byType: {} });
    assert.match(none, /No PII or secrets found/);
  });
});

describe('file command refusals', () => {
  it('reads the reason the server gives in error.data', () => {
    assert.equal(refusalReason({ code: -32602, message: 'm', data: { reason: 'outputExists', field: 'output' } }), 'outputExists');
    assert.equal(refusalReason({ data: { reason: 'outsideWorkspace' } }), 'outsideWorkspace');
    assert.equal(refusalReason({ data: { reason: 3 } }), undefined);
    assert.equal(refusalReason(new Error('plain')), undefined);
    assert.equal(refusalReason(undefined), undefined);
  });
});
