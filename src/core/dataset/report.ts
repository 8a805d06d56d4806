// Reading and presenting reports: adding dataset-level problems found after a file was read, the
// short summary a failure message carries, and the human text `finetune validate` prints.
import { DATASET_RULES, fixFor, severityOf } from './rules';
import type { FileProblem } from './limits';
import { MAX_LISTED_PROBLEMS } from './problems';
import type { DatasetReport, Problem } from './types';

/** The report with file-level problems added (e.g. training + validation totals), verdict recomputed. */
export function withFileProblems(report: DatasetReport, extra: readonly FileProblem[]): DatasetReport {
  if (extra.length === 0) return report;
  const counts = { ...report.counts };
  let { errorCount, warningCount } = report;
  const added: Problem[] = extra.map(({ rule, message }) => {
    const severity = severityOf(rule);
    counts[rule] = (counts[rule] ?? 0) + 1;
    if (severity === 'error') errorCount++;
    else warningCount++;
    return { rule, severity, message };
  });
  return {
    ...report,
    verdict: errorCount > 0 ? 'invalid' : 'valid',
    counts,
    errorCount,
    warningCount,
    problems: [...added, ...report.problems].slice(0, MAX_LISTED_PROBLEMS),
  };
}

/** The report with problems found on lines after the file was read (its media objects) merged in. */
export function withLineProblems(report: DatasetReport, extra: readonly Problem[]): DatasetReport {
  if (extra.length === 0) return report;
  const counts = { ...report.counts };
  let { errorCount, warningCount } = report;
  for (const p of extra) {
    counts[p.rule] = (counts[p.rule] ?? 0) + 1;
    if (p.severity === 'error') errorCount++;
    else warningCount++;
  }
  const all = [...report.problems, ...extra];
  const byLine = (a: Problem, b: Problem) => (a.line ?? 0) - (b.line ?? 0);
  const problems = [
    ...all.filter((p) => p.line === undefined),
    ...all.filter((p) => p.line !== undefined && p.severity === 'error').sort(byLine),
    ...all.filter((p) => p.line !== undefined && p.severity === 'warning').sort(byLine),
  ].slice(0, MAX_LISTED_PROBLEMS);
  return { ...report, verdict: errorCount > 0 ? 'invalid' : 'valid', counts, errorCount, warningCount, problems };
}

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
