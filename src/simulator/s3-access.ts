// The credentials the simulator reads training data and writes outputs with, standing in for the job
// role Bedrock would assume. In order: the credential flags; the SDK's default chain (environment,
// profile, SSO, container or instance role); for an S3 on loopback, the local stack's fixed
// credentials, so `finetune simulator --s3-endpoint http://127.0.0.1:9000` works from a bare shell.
// Without any, it says so at start: every job would fail in validation, and the log should say why.
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../aws/clients';
import { isLoopbackEndpoint, LOCAL_S3_CREDENTIALS } from '../aws/local-credentials';
import type { S3Credentials } from './options';

export interface S3AccessOptions {
  region: string;
  s3Endpoint?: string;
  s3Credentials?: S3Credentials;
}

export interface S3Access {
  client: S3Client;
  /** Said once at start when the simulator has no credentials of its own. */
  warning?: string;
}

async function defaultChainHasCredentials(client: S3Client): Promise<boolean> {
  try {
    await client.config.credentials();
    return true;
  } catch {
    return false;
  }
}

export async function resolveS3Access(options: S3AccessOptions): Promise<S3Access> {
  const aws = { region: options.region, s3Endpoint: options.s3Endpoint };
  if (options.s3Credentials) return { client: createS3Client(aws, options.s3Credentials) };
  const client = createS3Client(aws);
  if (await defaultChainHasCredentials(client)) return { client };
  const how =
    'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or pass --s3-access-key-id and --s3-secret-access-key';
  if (options.s3Endpoint && isLoopbackEndpoint(options.s3Endpoint)) {
    client.destroy();
    return {
      client: createS3Client(aws, LOCAL_S3_CREDENTIALS),
      warning:
        `no AWS credentials in the environment or flags: using the local stack's S3 credentials (access key ` +
        `${LOCAL_S3_CREDENTIALS.accessKeyId}) for ${options.s3Endpoint}; if that S3 server wants others, ${how}.`,
    };
  }
  return {
    client,
    warning:
      `no AWS credentials in the environment or flags: the simulator cannot read training data from ` +
      `${options.s3Endpoint ?? 'AWS S3'}, so every job will fail in validation; ${how}.`,
  };
}
