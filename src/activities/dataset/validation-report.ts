// The validation report preparation writes next to its outputs, and the DatasetInvalid failure that
// points to it. Every field is a function of the input and the data (no timestamps), so a retried or
// resumed attempt writes the same bytes.
import type { S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { putJson } from '../../aws/s3-objects';
import { joinS3Uri } from '../../core/bedrock-patterns';
import { summarizeErrors, type DataPreparationOptions, type Problem } from '../../core/dataset';
import { FailureType } from '../../core/fine-tune-contract';
import type { Scan } from './checkpoint';

export const REPORT_NAME = 'validation-report.json';
/** Errors carried in DatasetInvalid's details; the report has up to 100. */
const FAILURE_PROBLEMS = 20;

/** What preparation did, as the report records it. */
export interface Preparation {
  options: DataPreparationOptions;
  duplicatesRemoved: number;
  heldOut: number;
  trainingUri?: string;
  validationUri?: string;
}

export interface ReportSubject {
  baseModelIdentifier: string;
  customizationType: string;
  outputS3Uri: string;
}

/** Training problems first, then each validation file's, tagged with its URI. */
function allProblems(training: Scan, validation: readonly Scan[]): Problem[] {
  return [
    ...training.report.problems,
    ...validation.flatMap((v) => v.report.problems.map((p) => ({ ...p, file: p.file ?? v.uri }))),
  ];
}

export function reportBody(
  subject: ReportSubject,
  fingerprint: string | undefined,
  training: Scan,
  validation: readonly Scan[],
  preparation?: Preparation,
  extra: Record<string, unknown> = {},
) {
  const verdict = [training, ...validation].every((s) => s.report.verdict === 'valid') ? 'valid' : 'invalid';
  return {
    verdict,
    fingerprint: fingerprint ?? null,
    baseModelIdentifier: subject.baseModelIdentifier,
    customizationType: subject.customizationType,
    training: { source: training.uri, sha256: training.sha256, ...training.report },
    validation: validation.map((v) => ({ source: v.uri, sha256: v.sha256, ...v.report })),
    preparation: preparation ?? null,
    ...extra,
  };
}

/** Writes the report under `invalid-<sha256 of what was read>/` and throws DatasetInvalid pointing to it. */
export async function writeReportAndFail(
  s3: S3Client,
  subject: ReportSubject,
  training: Scan,
  validation: readonly Scan[],
  body: object,
): Promise<never> {
  const reportUri = joinS3Uri(subject.outputS3Uri, 'prepared', `invalid-${training.sha256}`, REPORT_NAME);
  await putJson(s3, reportUri, body);
  const invalid = [training, ...validation].filter((s) => s.report.verdict === 'invalid');
  const errors = invalid.reduce((sum, s) => sum + s.report.errorCount, 0);
  const details = invalid.map((s) => `${s.uri}: ${summarizeErrors(s.report)}`).join(' | ');
  const problems = allProblems(training, validation)
    .filter((p) => p.severity === 'error')
    .slice(0, FAILURE_PROBLEMS);
  throw ApplicationFailure.nonRetryable(
    `dataset invalid (${errors} error${errors === 1 ? '' : 's'}; report ${reportUri}): ${details}`,
    FailureType.DatasetInvalid,
    { reportUri, problems },
  );
}
