// Problems found after a file was read, added to its report with the counts and verdict recomputed:
// dataset-level limits (the training + validation totals) and the problems of its media objects.
import { severityOf } from './rules';
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
