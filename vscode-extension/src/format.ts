// Text the extension shows: status bar, pick lists, scan report. Pure, unit-tested under Node.

/** The store's Issue JSON (seed/DATABASE.md, snake_case) as far as the extension uses it. */
export interface Issue {
  id: string;
  title: string;
  description?: string | null;
  severity: string;
  status: string;
  category?: string | null;
  created_at?: string;
  updated_at?: string;
  tags?: string[] | null;
}

export interface SearchHit {
  issue: Issue;
  snippet?: string;
}

export interface ScanFileResult {
  input: string;
  output: string;
  findings: number;
  byType: Record<string, number>;
}

export const ISSUE_SEVERITIES = [
  { label: 'critical', description: 'service down or data exposed' },
  { label: 'high', description: 'major feature broken, no workaround' },
  { label: 'medium', description: 'degraded, a workaround exists' },
  { label: 'low', description: 'cosmetic or minor' },
] as const;

/** Statuses that count as "open" when offering issues to attach a log to. */
export const OPEN_STATUSES = new Set(['open', 'investigating']);

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function statusText(findings: number, truncated = false): string {
  return `$(shield) TFTSR: ${plural(findings, 'finding')}${truncated ? '+' : ''}`;
}

/** Tooltip lines: counts per type, largest first, then ids alphabetically for a stable order. */
export function statusTooltip(byType: Record<string, number>): string {
  const rows = Object.entries(byType)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([t, n]) => `${t}: ${n}`);
  const head = rows.length ? rows.join('\n') : 'No PII or secrets found';
  return `${head}\n\nClick to open the Problems panel`;
}

export interface DiagLike {
  source?: string;
  code?: string | number | { value: string | number };
}

export function diagCode(d: DiagLike): string | undefined {
  if (d.code === undefined) {
    return undefined;
  }
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

/**
 * Counts our findings among a document's diagnostics. The server's summary diagnostic
 * (`tftsr.truncated`) is not a finding; its presence means the real total must be asked for.
 */
export function countFindings(diags: readonly DiagLike[]): {
  findings: number;
  byType: Record<string, number>;
  truncated: boolean;
} {
  let findings = 0;
  let truncated = false;
  const byType: Record<string, number> = {};
  for (const d of diags) {
    if (d.source !== 'tftsr') {
      continue;
    }
    const code = diagCode(d) ?? 'unknown';
    if (code === 'tftsr.truncated') {
      truncated = true;
      continue;
    }
    findings++;
    byType[code] = (byType[code] ?? 0) + 1;
  }
  return { findings, byType, truncated };
}

function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** A pick-list row for an issue: title, then severity/status/date, then snippet or description. */
export function issueItem(issue: Issue, snippet?: string): { label: string; description: string; detail?: string } {
  const when = issue.created_at ? ` · ${issue.created_at}` : '';
  const detailSrc = snippet ?? issue.description ?? '';
  const detail = detailSrc ? oneLine(detailSrc, 160) : undefined;
  return {
    label: oneLine(issue.title || '(untitled)', 120),
    description: `${issue.severity} · ${issue.status}${when}`,
    ...(detail ? { detail } : {}),
  };
}

/** A file-name-safe slug for virtual document names (the preview tab shows it). */
export function slug(title: string): string {
  const s = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return s || 'issue';
}

function mdEscape(s: string): string {
  return s.replace(/([\\`*_{}[\]()#+\-.!|<>])/g, '\\$1');
}

/** The report shown after "Scan Large File on Disk…": counts only, never a matched value. */
export function scanReportMarkdown(r: ScanFileResult): string {
  const rows = Object.entries(r.byType)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([t, n]) => `| \`${t}\` | ${n} |`);
  return [
    `# TFTSR scan report`,
    ``,
    `- **Scanned:** ${mdEscape(r.input)}`,
    `- **Redacted copy:** ${mdEscape(r.output)}`,
    `- **Findings:** ${r.findings}`,
    ``,
    ...(rows.length ? [`| type | findings |`, `| --- | ---: |`, ...rows] : [`No PII or secrets found.`]),
    ``,
  ].join('\n');
}

/** Validates the title input box: an incident needs a non-blank title. */
export function validateTitle(v: string): string | undefined {
  return v.trim() ? undefined : 'A title is required';
}

/**
 * Why the server refused a file command (`error.data.reason` of tftsr.scanFile and
 * tftsr.attachToIssue: `outsideWorkspace`, `outputExists`, `missing`), or undefined.
 */
export function refusalReason(e: unknown): string | undefined {
  if (e && typeof e === 'object' && 'data' in e) {
    const data = (e as { data?: unknown }).data;
    if (data && typeof data === 'object' && typeof (data as { reason?: unknown }).reason === 'string') {
      return (data as { reason: string }).reason;
    }
  }
  return undefined;
}
