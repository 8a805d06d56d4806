// What AWS's front door checks before any operation: a SigV4 Authorization header, scoped to this
// service and region. The signature itself is not verified: any access key and secret are accepted,
// as the simulator has no accounts. Without the header the answer is what Bedrock sends today (a 403
// AccessDeniedException "Authorization header is missing", with the legacy Coral error-type value that
// every SDK sanitizes to the shape name).
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from './errors';

const CORAL_SUFFIX = ':http://internal.amazon.com/coral/com.amazon.coral.service/';
const SIGV4 = /^AWS4-HMAC-SHA256\s+(.*)$/;

export function checkAuthorization(headers: IncomingHttpHeaders, region: string): void {
  const header = headers.authorization;
  if (header === undefined || header.trim() === '') {
    throw new ApiError(
      'AccessDeniedException',
      'Authorization header is missing',
      {},
      `AccessDeniedException${CORAL_SUFFIX}`,
    );
  }
  const sigv4 = SIGV4.exec(header.trim());
  const params = new Map<string, string>();
  for (const part of (sigv4?.[1] ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((p) => !params.get(p));
  const dated = headers['x-amz-date'] !== undefined || headers.date !== undefined;
  if (!sigv4 || missing.length > 0 || !dated) {
    const problems = [
      ...missing.map((p) => `Authorization header requires '${p}' parameter.`),
      ...(dated ? [] : ["Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."]),
    ];
    throw new ApiError(
      'IncompleteSignatureException',
      `${(problems.length > 0 ? problems : ["Authorization header requires the 'AWS4-HMAC-SHA256' algorithm."]).join(' ')} Authorization=${header.split(/\s/)[0]}`,
    );
  }
  // Credential=<access key>/<yyyymmdd>/<region>/<service>/aws4_request
  const scope = (params.get('Credential') ?? '').split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') {
    throw new ApiError(
      'IncompleteSignatureException',
      `Credential should be of the form <key>/<date>/<region>/<service>/aws4_request; got ${params.get('Credential')}.`,
    );
  }
  if (scope[3] !== 'bedrock') {
    throw new ApiError('InvalidSignatureException', `Credential should be scoped to correct service: 'bedrock'.`);
  }
  if (scope[2] !== region) {
    throw new ApiError(
      'InvalidSignatureException',
      `Credential should be scoped to a valid region, not '${scope[2]}'. This endpoint serves '${region}'.`,
    );
  }
}
