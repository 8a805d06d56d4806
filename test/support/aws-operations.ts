// Every AWS operation the worker's code performs in the integration suite, recorded by a middleware on
// the SDK clients handed to workers and activities (never on the clients tests use to set up or check),
// for the least-privilege test (test/iam/worker-policy.test.ts). Each distinct operation is appended
// once per process to a file in the run's data folder, so the record spans every test file.
import type { BedrockClient } from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const MIDDLEWARE = 'finetune-operation-recorder';
const seen = new Set<string>();

function recordFile(): string | undefined {
  const dir = process.env.FINETUNE_TEST_DATA_DIR;
  return dir ? join(dir, 'aws-operations.log') : undefined;
}

/** `s3:PutObject`, `bedrock:CreateModelCustomizationJob`: the service prefix IAM uses, the API name. */
function operationName(clientName: string | undefined, commandName: string | undefined): string {
  const service = (clientName ?? 'Unknown').replace(/Client$/, '').toLowerCase();
  return `${service}:${(commandName ?? 'Unknown').replace(/Command$/, '')}`;
}

function record(operation: string, sink?: Set<string>): void {
  sink?.add(operation);
  if (seen.has(operation)) return;
  seen.add(operation);
  const file = recordFile();
  if (file) appendFileSync(file, `${operation}\n`);
}

/** The same client, recording each operation it sends (to the run's file, and to `sink` when given). */
export function recorded<C extends S3Client | BedrockClient>(client: C, sink?: Set<string>): C {
  // One middleware for both clients: typed through the S3 client's stack, it reads only the context.
  const stack = (client as S3Client).middlewareStack;
  if (stack.identify().some((entry) => entry.startsWith(MIDDLEWARE))) return client;
  stack.add(
    (next, context) => async (args) => {
      record(operationName(context.clientName, context.commandName), sink);
      return next(args);
    },
    { step: 'initialize', name: MIDDLEWARE },
  );
  return client;
}

/** Everything recorded so far in this test run, by every test file. */
export function recordedOperations(): Set<string> {
  const file = recordFile();
  const lines = file && existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
  return new Set([...lines.filter(Boolean), ...seen]);
}
