// Metrics CSV text into the header-keyed table core/metrics.ts reads. It lives beside the activity, not
// in core: csv-parse needs Node's Buffer, and core stays free of Node.
import { parse } from 'csv-parse/sync';
import {
  MetricsCsvError,
  readMetricPoints,
  type CsvTable,
  type MetricPoint,
  type MetricsFileKind,
} from '../../core/metrics';

/**
 * CSV text into a header and rows keyed by it. Tolerates a BOM, CRLF, blank lines and spaces around
 * fields; a row with a different number of fields than the header is an error.
 */
export function parseMetricsCsv(text: string, source: string): CsvTable {
  let columns: string[] = [];
  try {
    const records = parse(text, {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
      // A function rather than `true`: it also reports the header of a file with no data rows.
      columns: (header: string[]) => (columns = header),
    }) as { info: { lines: number }; record: Record<string, string> }[];
    return { source, columns, rows: records.map(({ info, record }) => ({ line: info.lines, values: record })) };
  } catch (err) {
    throw new MetricsCsvError(`${source}: not a readable CSV: ${(err as Error).message}`);
  }
}

/** The points of one metrics file. */
export function readMetricsCsv(text: string, source: string, kind: MetricsFileKind): MetricPoint[] {
  return readMetricPoints(parseMetricsCsv(text, source), kind);
}
