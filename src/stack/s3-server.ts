// The local S3 server: Versity Gateway with its posix backend, so every object is a plain file under
// `<dir>/<bucket>/<key>` that survives restarts and that a user can open.
import { CreateBucketCommand, ListBucketsCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createS3Client } from '../aws/clients';
import { LOCAL_S3_CREDENTIALS } from '../aws/local-credentials';
import { startChild, type ManagedChild, type OnSpawn } from './child-process';

/** Buckets the demo, the examples and the tests use. */
export const LOCAL_BUCKETS = {
  datasets: 'finetune-datasets',
  outputs: 'finetune-outputs',
  invocationLogs: 'finetune-invocation-logs',
} as const;

export interface S3ServerOptions {
  binary: string;
  host: string;
  port: number;
  dataDir: string;
  logFile: string;
  region: string;
  /** The server's one account; the local stack's fixed, documented pair unless a test wants its own. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  onSpawn?: OnSpawn;
}

export async function startS3Server(options: S3ServerOptions): Promise<{ child: ManagedChild; endpoint: string }> {
  const objectsDir = join(options.dataDir, 's3');
  mkdirSync(objectsDir, { recursive: true });
  const endpoint = `http://${options.host}:${options.port}`;
  const credentials = options.credentials ?? LOCAL_S3_CREDENTIALS;
  const s3 = createS3Client({ region: options.region, s3Endpoint: endpoint }, credentials);
  try {
    const child = await startChild({
      name: 'S3 server (versitygw)',
      command: options.binary,
      args: [
        '--access',
        credentials.accessKeyId,
        '--secret',
        credentials.secretAccessKey,
        '--port',
        `${options.host}:${options.port}`,
        '--region',
        options.region,
        'posix',
        objectsDir,
      ],
      logFile: options.logFile,
      onSpawn: options.onSpawn,
      isReady: async () => {
        await s3.send(new ListBucketsCommand({}));
        return true;
      },
    });
    for (const bucket of Object.values(LOCAL_BUCKETS)) {
      try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (err) {
        const name = (err as S3ServiceException).name;
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
      }
    }
    return { child, endpoint };
  } finally {
    s3.destroy();
  }
}
