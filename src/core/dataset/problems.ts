// Collects every problem: counts per rule for all of them, and the first ones with their lines.
import { severityOf, type DatasetRule } from './rules';
import type { Problem } from './types';

export const MAX_LISTED_PROBLEMS = 100;

/** A collector's whole state, as JSON (a resumed scan restores it). */
export interface CollectorState {
  counts: Partial<Record<DatasetRule, number>>;
  errorCount: number;
  warningCount: number;
  file?: string;
  fileLevel: Problem[];
  errors: Problem[];
  warnings: Problem[];
}

export class ProblemCollector {
  readonly counts: Partial<Record<DatasetRule, number>> = {};
  errorCount = 0;
  warningCount = 0;
  /** The S3 key the next line problems belong to (multi-file sources). */
  file?: string;
  private readonly fileLevel: Problem[] = [];
  private readonly errors: Problem[] = [];
  private readonly warnings: Problem[] = [];

  /** A problem at `line`, or a file-level one when `line` is undefined. */
  add(rule: DatasetRule, message: string, line?: number): void {
    const severity = this.count(rule);
    const list = line === undefined ? this.fileLevel : severity === 'error' ? this.errors : this.warnings;
    if (list.length >= MAX_LISTED_PROBLEMS) return;
    // Key order as documented: rule, severity, line, file, message.
    list.push(
      line === undefined
        ? { rule, severity, message }
        : { rule, severity, line, ...(this.file !== undefined ? { file: this.file } : {}), message },
    );
  }

  /** Counts an occurrence without listing it (for rules listed once per file, such as CRLF). */
  count(rule: DatasetRule): 'error' | 'warning' {
    const severity = severityOf(rule);
    this.counts[rule] = (this.counts[rule] ?? 0) + 1;
    if (severity === 'error') this.errorCount++;
    else this.warningCount++;
    return severity;
  }

  snapshot(): CollectorState {
    const { counts, errorCount, warningCount, file, fileLevel, errors, warnings } = this;
    const state: CollectorState = { counts, errorCount, warningCount, file, fileLevel, errors, warnings };
    return JSON.parse(JSON.stringify(state)) as CollectorState;
  }

  restore(state: CollectorState): void {
    Object.assign(this.counts, state.counts);
    this.errorCount = state.errorCount;
    this.warningCount = state.warningCount;
    this.file = state.file;
    this.fileLevel.push(...state.fileLevel);
    this.errors.push(...state.errors);
    this.warnings.push(...state.warnings);
  }

  /** File-level problems first (few, and the most telling), then errors, then warnings; at most 100. */
  listed(): Problem[] {
    return [...this.fileLevel, ...this.errors, ...this.warnings].slice(0, MAX_LISTED_PROBLEMS);
  }
}
