// Limits of a whole file, and of training and validation together, from the catalog's DataLimits.
// A validation file is held to the validation limits, never to the training ones.
import type { DataLimits } from '../catalog';
import type { DatasetRule } from './rules';
import type { DatasetRole } from './types';

export interface FileProblem {
  rule: DatasetRule;
  message: string;
}

const n = (value: number): string => value.toLocaleString('en-US');

function size(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

export interface FileFacts {
  role: DatasetRole;
  records: number;
  bytes: number;
  /** What the limits belong to, for messages: "Nova Lite FINE_TUNING". */
  subject: string;
}

export function fileLimitProblems(limits: DataLimits, facts: FileFacts): FileProblem[] {
  const { role, records, bytes, subject } = facts;
  const problems: FileProblem[] = [];
  if (role === 'validation' && limits.validationIgnored) {
    // Nothing else applies: the file is not used.
    return [{ rule: 'validation-ignored', message: `${subject} takes no validation set: Bedrock ignores this file` }];
  }
  if (role === 'validation' && !limits.validationSupported) {
    problems.push({ rule: 'validation-not-supported', message: `${subject} takes no validation dataset` });
  }
  const min = role === 'training' ? (limits.minTrainingRecords ?? 1) : 1;
  const max = role === 'training' ? limits.maxTrainingRecords : limits.maxValidationRecords;
  const maxBytes = role === 'training' ? limits.maxTrainingFileBytes : limits.maxValidationFileBytes;
  if (records < min) {
    problems.push({
      rule: 'too-few-records',
      message: `the ${role} file has ${n(records)} records; ${subject} needs at least ${n(min)}`,
    });
  }
  if (max !== undefined && records > max) {
    problems.push({
      rule: 'too-many-records',
      message: `the ${role} file has ${n(records)} records; ${subject} accepts at most ${n(max)}`,
    });
  }
  if (maxBytes !== undefined && bytes > maxBytes) {
    problems.push({
      rule: 'file-too-large',
      message: `the ${role} file is ${size(bytes)}; ${subject} accepts at most ${size(maxBytes)}`,
    });
  }
  return problems;
}

/** Training and validation records together ("Sum of training and validation records" quotas). */
export function totalRecordProblems(
  limits: DataLimits,
  trainingRecords: number,
  validationRecords: number,
  subject: string,
): FileProblem[] {
  const total = trainingRecords + validationRecords;
  const what = `training + validation records: ${n(trainingRecords)} + ${n(validationRecords)} = ${n(total)}`;
  if (limits.minTotalRecords !== undefined && total < limits.minTotalRecords) {
    return [
      { rule: 'too-few-total-records', message: `${what}; ${subject} needs at least ${n(limits.minTotalRecords)}` },
    ];
  }
  if (limits.maxTotalRecords !== undefined && total > limits.maxTotalRecords) {
    return [
      { rule: 'too-many-total-records', message: `${what}; ${subject} accepts at most ${n(limits.maxTotalRecords)}` },
    ];
  }
  return [];
}
