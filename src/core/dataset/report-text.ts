// The text of a report: the short summary a failure message carries, and the human view `finetune
// validate` prints.
import { DATASET_RULES, fixFor, severityOf } from './rules';
import type { DatasetReport, Problem } from './types';

function where(p: Problem): string {
  const file = p.file ? `${p.file} ` : '';
  return p.line !== undefined ? `${file}line ${p.line}` : file.trim() || 'file';
}

/** "line 3 [invalid-json] not valid JSON...; line 9 [...] ..." for the first `max` errors. */
export function summarizeErrors(report: DatasetReport, max = 5): string {
  const errors = report.problems.filter((p) => p.severity === 'error');
  const shown = errors.slice(0, max).map((p) => `${where(p)} [${p.rule}] ${p.message}`);
  const more = report.errorCount - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more error${more === 1 ? '' : 's'}` : '');
}

const n = (value: number): string => value.toLocaleString('en-US');

export interface ReportTextOptions {
  /** What was validated: a path or an S3 URI. */
  source: string;
  /** Lines listed per rule before "and N more". */
  perRule?: number;
}

/** The human view: a verdict line, the figures, then problems grouped by rule with their lines and fix. */
export function reportText(report: DatasetReport, options: ReportTextOptions): string {
  const perRule = options.perRule ?? 5;
  const out: string[] = [];
  const verdict = report.verdict === 'valid' ? 'VALID' : 'INVALID';
  out.push(
    `${verdict}: ${options.source} (${report.role} data, ${report.format}, ${report.modelId} ${report.customizationType})`,
  );
  const t = report.estimatedTokens;
  const limit = t.limitPerRecord !== undefined ? `, limit ${n(t.limitPerRecord)}` : '';
  out.push(`  ${n(report.records)} records, ${n(report.lines)} lines, ${n(report.bytes)} bytes`);
  out.push(
    `  ~${n(t.total)} tokens estimated (6 characters per token), at most ~${n(t.maxPerRecord)} in one record${limit}`,
  );
  if (report.invocationLogs) {
    const s = report.invocationLogs;
    out.push(
      `  invocation logs: ${n(s.files)} files, ${n(s.recordsRead)} records read, ${n(s.filteredOut)} filtered out, ${n(s.qualifying)} qualifying`,
    );
  }
  out.push(
    `  ${n(report.errorCount)} error${report.errorCount === 1 ? '' : 's'}, ${n(report.warningCount)} warning${report.warningCount === 1 ? '' : 's'}`,
  );
  // Errors first, then warnings; within each, the order of the rule table.
  const rules = DATASET_RULES.filter((r) => report.counts[r]).sort(
    (a, b) => Number(severityOf(a) === 'warning') - Number(severityOf(b) === 'warning'),
  );
  for (const rule of rules) {
    const count = report.counts[rule] ?? 0;
    const listed = report.problems.filter((p) => p.rule === rule);
    out.push('');
    out.push(`${severityOf(rule)} ${rule} (${n(count)})`);
    for (const p of listed.slice(0, perRule)) out.push(`  ${where(p)}: ${p.message}`);
    const lines = listed.filter((p) => p.line !== undefined);
    if (lines.length > perRule)
      out.push(
        `  also at ${lines
          .slice(perRule)
          .map((p) => where(p))
          .join(', ')}`,
      );
    if (count > listed.length) out.push(`  ... ${n(count - listed.length)} more not listed`);
    out.push(`  fix: ${fixFor(rule)}`);
  }
  return out.join('\n');
}
