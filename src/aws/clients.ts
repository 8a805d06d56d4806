// Bedrock, bedrock-runtime and S3 clients from the settings config.ts read. Credentials come from the SDK's default
// chain (environment, profile, SSO, container or instance role), so nothing here handles secrets.
import { BedrockClient } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsSettings } from '../config';

type Credentials = S3ClientConfig['credentials'];

export interface AwsClients {
  bedrock: BedrockClient;
  runtime: BedrockRuntimeClient;
  s3: S3Client;
}

/** `credentials` only for the local stack's fixed keys; everything else uses the default chain. */
export function createBedrockClient(aws: AwsSettings, credentials?: Credentials): BedrockClient {
  return new BedrockClient({ region: aws.region, endpoint: aws.bedrockEndpoint, credentials });
}

/** bedrock-runtime (Converse, InvokeModel: a smoke test of a deployed model); the default credential chain. */
export function createBedrockRuntimeClient(aws: AwsSettings): BedrockRuntimeClient {
  return new BedrockRuntimeClient({ region: aws.region, endpoint: aws.bedrockRuntimeEndpoint });
}

export function createS3Client(aws: AwsSettings, credentials?: Credentials): S3Client {
  const local = aws.s3Endpoint !== undefined;
  return new S3Client({
    region: aws.region,
    endpoint: aws.s3Endpoint,
    credentials,
    // S3-compatible servers are addressed by path, not by bucket subdomain.
    forcePathStyle: local,
    // Since 3.729 the SDK frames uploads as aws-chunked with CRC32 trailers; local servers need not
    // speak that, and real S3 verifies its own checksums anyway.
    ...(local
      ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const }
      : {}),
  });
}

/**
 * A client for one SQS queue (the job events'): at `endpoint` when given (AWS_ENDPOINT_URL_SQS), else at
 * the queue URL's own origin when that is not AWS (the local stack's server), else AWS's endpoint.
 */
export function createSqsClient(
  queueUrl: string,
  region: string,
  options: { endpoint?: string; credentials?: Credentials } = {},
): SQSClient {
  const url = new URL(queueUrl);
  const aws = /\.amazonaws\.com(\.cn)?$/.test(url.hostname);
  return new SQSClient({
    region,
    endpoint: options.endpoint ?? (aws ? undefined : url.origin),
    credentials: options.credentials,
  });
}

export function createAwsClients(aws: AwsSettings): AwsClients {
  return { bedrock: createBedrockClient(aws), runtime: createBedrockRuntimeClient(aws), s3: createS3Client(aws) };
}

export function destroyAwsClients(clients: AwsClients): void {
  clients.bedrock.destroy();
  clients.runtime.destroy();
  clients.s3.destroy();
}
