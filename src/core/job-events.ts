// Bedrock's "Model Customization Job State Change" event as EventBridge delivers it (to an SQS queue, the
// event is the message body): the simulator writes it, the worker's consumer (src/events/) reads it. The
// shape is the sample AWS publishes ("How EventBridge for Amazon Bedrock works", Bedrock user guide):
// `source` aws.bedrock, `detail-type` below, the job's ARN in `resources` and in `detail.jobArn`, its status
// in `detail.jobStatus` (not `status`). What the consumer relies on is the ARN (and the status only to skip
// InProgress, which no run needs to hear): the event is a wake-up (delivery is best effort), the run reads
// the job itself. test/core/job-events.unit.test.ts parses that sample.
import { JOB_STATUSES, type JobStatus } from './bedrock-patterns';

export const JOB_EVENT_SOURCE = 'aws.bedrock';
export const JOB_EVENT_DETAIL_TYPE = 'Model Customization Job State Change';

/** The members of `detail` this project writes (the simulator) or may read; AWS's sample has all of them. */
export interface JobStateChangeDetail {
  version: string;
  jobName: string;
  jobArn: string;
  jobStatus: JobStatus;
  outputModelName?: string;
  outputModelArn?: string;
  roleArn?: string;
  failureMessage?: string;
  creationTime?: string;
  lastModifiedTime?: string;
  endTime?: string;
  baseModelArn?: string;
  hyperParameters?: Record<string, string>;
  trainingDataConfig?: { s3Uri?: string };
  validationDataConfig?: unknown;
  outputDataConfig?: { s3Uri: string };
}

/** EventBridge's envelope around it. */
export interface JobStateChangeEvent {
  version: '0';
  id: string;
  'detail-type': typeof JOB_EVENT_DETAIL_TYPE;
  source: typeof JOB_EVENT_SOURCE;
  account: string;
  /** Whole seconds, as EventBridge writes it: 2023-08-11T12:34:56Z. */
  time: string;
  region: string;
  resources: string[];
  detail: JobStateChangeDetail;
}

/** What the consumer takes from a message: the job, and what the event said of it (for logs). */
export interface JobEventFacts {
  jobArn: string;
  jobName?: string;
  jobStatus?: JobStatus;
  time?: string;
  eventId?: string;
}

/** EventBridge's time format: ISO 8601 without milliseconds. */
export function eventTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const JOB_ARN = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:model-customization-job\/\S+$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The job a message body is about, or why it is not a job state change this project can act on (then
 * the consumer deletes it and logs the reason). Only the source, the detail-type and a customization
 * job's ARN are required: the other members are not relied on.
 */
export function parseJobStateChange(body: string): { event: JobEventFacts } | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { problem: 'the message body is not JSON (an EventBridge event was expected)' };
  }
  if (!isObject(parsed)) return { problem: 'the message body is not a JSON object' };
  if (parsed.source !== JOB_EVENT_SOURCE) {
    return { problem: `source is ${JSON.stringify(parsed.source)}, not ${JOB_EVENT_SOURCE}` };
  }
  if (parsed['detail-type'] !== JOB_EVENT_DETAIL_TYPE) {
    return { problem: `detail-type is ${JSON.stringify(parsed['detail-type'])}, not "${JOB_EVENT_DETAIL_TYPE}"` };
  }
  const detail = isObject(parsed.detail) ? parsed.detail : {};
  const resources = Array.isArray(parsed.resources) ? parsed.resources : [];
  const jobArn = text(detail.jobArn) ?? resources.map(text).find((r) => r !== undefined && JOB_ARN.test(r));
  if (!jobArn || !JOB_ARN.test(jobArn)) {
    return { problem: 'it names no model customization job ARN (detail.jobArn or resources)' };
  }
  const status = text(detail.jobStatus);
  return {
    event: {
      jobArn,
      jobName: text(detail.jobName),
      jobStatus: (JOB_STATUSES as readonly string[]).includes(status ?? '') ? (status as JobStatus) : undefined,
      time: text(parsed.time),
      eventId: text(parsed.id),
    },
  };
}
