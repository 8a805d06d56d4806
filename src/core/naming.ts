// Names and tokens that never change across retries: derived only from the workflow ID, the effective
// request and the dataset fingerprint. Pure (SHA-256 from @noble/hashes, not node:crypto), so the
// workflow knows its job's name and token before the create answers, and the create activity derives
// the very same ones.
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { JOB_NAME, JOB_NAME_MAX } from './bedrock-patterns';
import type { FineTuneRequest } from './request';

/** JSON with sorted keys and no undefined members: equal requests give equal text, hence equal tokens. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The request as the job is created from it: no orchestration, no token (the token is derived from it). */
export function tokenSource(request: FineTuneRequest): Omit<FineTuneRequest, 'orchestration' | 'clientRequestToken'> {
  const { orchestration: _o, clientRequestToken: _t, ...rest } = request;
  return rest;
}

/** A job name within Bedrock's pattern and 63 characters: the workflow ID, readable, plus 12 hex of the token. */
export function deriveJobName(workflowId: string, tokenHex: string): string {
  const suffix = tokenHex.slice(0, 12);
  const readable = workflowId
    .replace(/[^a-zA-Z0-9+.-]+/g, '-')
    .replace(/^[^a-zA-Z0-9]+/, '')
    .slice(0, JOB_NAME_MAX - suffix.length - 1)
    .replace(/[^a-zA-Z0-9]+$/, '');
  const name = readable ? `${readable}-${suffix}` : `finetune-${suffix}`;
  if (!JOB_NAME.test(name)) throw new Error(`derived job name ${name} breaks Bedrock's pattern`);
  return name;
}

/** What a job's name and token are derived from. */
export interface JobIdentityInput {
  request: FineTuneRequest;
  workflowId: string;
  datasetFingerprint: string;
}

/** The name and token a run's job is created with. */
export interface JobIdentity {
  jobName: string;
  clientRequestToken: string;
}

/** The caller's token and name, or ones derived from what defines this job. Pure: same input, same output. */
export function jobIdentity(input: JobIdentityInput): JobIdentity {
  const source = canonicalJson({
    workflowId: input.workflowId,
    request: tokenSource(input.request),
    datasetFingerprint: input.datasetFingerprint,
  });
  const derived = bytesToHex(sha256(utf8ToBytes(source)));
  const clientRequestToken = input.request.clientRequestToken ?? derived;
  return { clientRequestToken, jobName: input.request.jobName ?? deriveJobName(input.workflowId, derived) };
}
