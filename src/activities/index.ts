// Every activity of the fineTune workflow, built from injected clients so tests and the worker wire
// the same code to the simulator or to real AWS.
import type { BedrockClient } from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';

export interface ActivityDeps {
  bedrock: BedrockClient;
  s3: S3Client;
}

export function createActivities(_deps: ActivityDeps) {
  return {};
}

export type Activities = ReturnType<typeof createActivities>;
