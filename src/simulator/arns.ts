// Identifiers shaped like Bedrock's: job and custom-model ARNs end in 12 lowercase alphanumerics after
// the base model id; foundation models have an empty account field; KMS keys become key or alias ARNs.
import { createHash, randomInt } from 'node:crypto';

export interface Partition {
  region: string;
  accountId: string;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function randomResourceId(): string {
  let id = '';
  for (let i = 0; i < 12; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

/** A stable id derived from another: redoing a completion after a crash creates the same model. */
export function derivedResourceId(seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  let id = '';
  for (let i = 0; i < 12; i++) id += ID_ALPHABET[digest[i] % ID_ALPHABET.length];
  return id;
}

export function foundationModelArn(p: Partition, modelId: string): string {
  return `arn:aws:bedrock:${p.region}::foundation-model/${modelId}`;
}

export function jobArn(p: Partition, baseModelId: string, id: string): string {
  return `arn:aws:bedrock:${p.region}:${p.accountId}:model-customization-job/${baseModelId}/${id}`;
}

export function customModelArn(p: Partition, baseModelId: string, id: string): string {
  return `arn:aws:bedrock:${p.region}:${p.accountId}:custom-model/${baseModelId}/${id}`;
}

export function lastSegment(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** A KMS key id, key ARN or alias as the ARN Bedrock reports (`outputModelKmsKeyArn`). */
export function kmsKeyArn(p: Partition, keyId: string): string {
  if (keyId.startsWith('arn:')) return keyId;
  return `arn:aws:kms:${p.region}:${p.accountId}:${keyId.startsWith('alias/') ? keyId : `key/${keyId}`}`;
}

export function deploymentArn(p: Partition, id: string): string {
  return `arn:aws:bedrock:${p.region}:${p.accountId}:custom-model-deployment/${id}`;
}

export function provisionedModelArn(p: Partition, id: string): string {
  return `arn:aws:bedrock:${p.region}:${p.accountId}:provisioned-model/${id}`;
}

export function evaluationJobArn(p: Partition, id: string): string {
  return `arn:aws:bedrock:${p.region}:${p.accountId}:evaluation-job/${id}`;
}
