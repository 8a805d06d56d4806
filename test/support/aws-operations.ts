// Every AWS call the worker's code makes in the integration suite, recorded by a middleware on the SDK
// clients handed to workers and activities (never on the clients tests use to set up or check), for the
// least-privilege test (test/iam/worker-policy.test.ts). Each call is recorded as the IAM
// authorizations it needs: the action and the resource ARN it touched (a DeleteObjects of three keys
// is three s3:DeleteObject on three objects). Each distinct one is appended once per process to a file
// in the run's data folder, so the record spans every test file.
import type { BedrockClient } from '@aws-sdk/client-bedrock';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SIMULATOR_OPTIONS } from '../../src/simulator/options';

/** One authorization a call needed. */
export interface AwsCall {
  /** `s3:PutObject`, `bedrock:CreateModelCustomizationJob`: the service prefix IAM uses, the API name. */
  operation: string;
  /** The IAM action it is authorized as ('' for an operation this file does not know). */
  action: string;
  /** The ARN of what it touched. */
  resource: string;
  /** Whether AWS did it: a test's missing bucket or refused delete is recorded, as not done. */
  ok: boolean;
}

/** The local stack's one account (the simulator's): what a job named by name, not ARN, belongs to. */
export const STACK_ACCOUNT = DEFAULT_SIMULATOR_OPTIONS.accountId;

const MIDDLEWARE = 'finetune-operation-recorder';
const seen = new Set<string>();

function recordFile(): string | undefined {
  const dir = process.env.FINETUNE_TEST_DATA_DIR;
  return dir ? join(dir, 'aws-operations.log') : undefined;
}

function operationName(clientName: string | undefined, commandName: string | undefined): string {
  const service = (clientName ?? 'Unknown').replace(/Client$/, '').toLowerCase();
  return `${service}:${(commandName ?? 'Unknown').replace(/Command$/, '')}`;
}

type Input = Record<string, unknown> & { Bucket?: string; Key?: string };
type Output = Record<string, unknown> | undefined;
type Grant = [action: string, resource: string, ok?: boolean];

/**
 * What IAM authorizes an operation as (Service Authorization Reference), on which resources: HEAD
 * requests as the GET/List they shadow, every part of a multipart upload as s3:PutObject,
 * DeleteObjects as s3:DeleteObject on each key, a job created with tags (the worker always adds its
 * lineage tags) as bedrock:TagResource on the job and the model too, and its role as iam:PassRole.
 */
function grantsOf(operation: string, input: Input, output: Output, region: string): Grant[] {
  const object = `arn:aws:s3:::${input.Bucket}/${input.Key}`;
  const bedrock = `arn:aws:bedrock:${region}:${STACK_ACCOUNT}`;
  const job = (id: unknown) =>
    String(id).startsWith('arn:') ? String(id) : `${bedrock}:model-customization-job/${id}`;
  const model = (id: unknown) =>
    String(id).startsWith('arn:') ? String(id) : `arn:aws:bedrock:${region}::foundation-model/${id}`;
  switch (operation) {
    case 's3:HeadBucket':
    case 's3:ListObjectsV2':
      return [['s3:ListBucket', `arn:aws:s3:::${input.Bucket}`]];
    case 's3:HeadObject':
    case 's3:GetObject':
      return [['s3:GetObject', object]];
    case 's3:PutObject':
    case 's3:CreateMultipartUpload':
    case 's3:UploadPart':
    case 's3:CompleteMultipartUpload':
      return [['s3:PutObject', object]];
    case 's3:AbortMultipartUpload':
      return [['s3:AbortMultipartUpload', object]];
    case 's3:DeleteObjects': {
      const refused = new Set(((output?.Errors ?? []) as { Key?: string }[]).map((e) => e.Key));
      const keys = ((input.Delete as { Objects?: { Key?: string }[] })?.Objects ?? []).map((o) => o.Key);
      return keys.map((key) => ['s3:DeleteObject', `arn:aws:s3:::${input.Bucket}/${key}`, !refused.has(key)]);
    }
    case 'bedrock:CreateModelCustomizationJob': {
      const created = output?.jobArn ?? job(input.jobName);
      // The model's ARN is Bedrock's to pick when the job completes; its name stands in for it here.
      const newModel = `${bedrock}:custom-model/${String(input.customModelName)}`;
      const teacher = (input.customizationConfig as { distillationConfig?: { teacherModelConfig?: Input } })
        ?.distillationConfig?.teacherModelConfig?.teacherModelIdentifier;
      const tagged = (tags: unknown) => Array.isArray(tags) && tags.length > 0;
      return [
        ['bedrock:CreateModelCustomizationJob', String(created)],
        ['bedrock:CreateModelCustomizationJob', newModel],
        ['bedrock:CreateModelCustomizationJob', model(input.baseModelIdentifier)],
        ...(teacher ? [['bedrock:CreateModelCustomizationJob', model(teacher)] as Grant] : []),
        ...(tagged(input.jobTags) ? [['bedrock:TagResource', String(created)] as Grant] : []),
        ...(tagged(input.customModelTags) ? [['bedrock:TagResource', newModel] as Grant] : []),
        ['iam:PassRole', String(input.roleArn)],
      ];
    }
    case 'bedrock:GetModelCustomizationJob':
    case 'bedrock:StopModelCustomizationJob':
      return [[operation, job(input.jobIdentifier)]];
    case 'bedrock:GetFoundationModel':
      return [[operation, model(input.modelIdentifier)]];
    // A list names no resource: IAM authorizes it on "*".
    case 'bedrock:ListModelCustomizationJobs':
    case 'bedrock:ListCustomModelDeployments':
    case 'bedrock:ListProvisionedModelThroughputs':
    case 'bedrock:ListEvaluationJobs':
      return [[operation, '*']];
    case 'bedrock:CreateCustomModelDeployment': {
      const created = String(
        output?.customModelDeploymentArn ?? `${bedrock}:custom-model-deployment/${input.modelDeploymentName}`,
      );
      return [
        [operation, created],
        [operation, String(input.modelArn)],
        ...(Array.isArray(input.tags) && input.tags.length > 0 ? [['bedrock:TagResource', created] as Grant] : []),
      ];
    }
    case 'bedrock:GetCustomModelDeployment':
    case 'bedrock:UpdateCustomModelDeployment':
    case 'bedrock:DeleteCustomModelDeployment': {
      const id = String(input.customModelDeploymentIdentifier);
      return [[operation, id.startsWith('arn:') ? id : `${bedrock}:custom-model-deployment/${id}`]];
    }
    case 'bedrock:CreateProvisionedModelThroughput': {
      const created = String(
        output?.provisionedModelArn ?? `${bedrock}:provisioned-model/${input.provisionedModelName}`,
      );
      return [
        [operation, created],
        [operation, String(input.modelId)],
        ...(Array.isArray(input.tags) && input.tags.length > 0 ? [['bedrock:TagResource', created] as Grant] : []),
      ];
    }
    case 'bedrock:GetProvisionedModelThroughput':
    case 'bedrock:UpdateProvisionedModelThroughput':
    case 'bedrock:DeleteProvisionedModelThroughput': {
      const id = String(input.provisionedModelId);
      return [[operation, id.startsWith('arn:') ? id : `${bedrock}:provisioned-model/${id}`]];
    }
    case 'bedrock:CreateEvaluationJob': {
      const created = String(output?.jobArn ?? `${bedrock}:evaluation-job/${input.jobName}`);
      const judge = (
        input.evaluationConfig as { automated?: { evaluatorModelConfig?: { bedrockEvaluatorModels?: Input[] } } }
      )?.automated?.evaluatorModelConfig?.bedrockEvaluatorModels?.[0]?.modelIdentifier;
      return [
        [operation, created],
        ...(judge ? [[operation, model(judge)] as Grant] : []),
        ...(Array.isArray(input.jobTags) && input.jobTags.length > 0
          ? [['bedrock:TagResource', created] as Grant]
          : []),
        ['iam:PassRole', String(input.roleArn)],
      ];
    }
    case 'bedrock:GetEvaluationJob':
    case 'bedrock:StopEvaluationJob':
      return [[operation, String(input.jobIdentifier)]];
    // bedrock-runtime: Converse is authorized as InvokeModel on what it names.
    case 'bedrockruntime:Converse':
    case 'bedrockruntime:InvokeModel':
      return [['bedrock:InvokeModel', model(input.modelId)]];
    case 'bedrock:ListTagsForResource':
      return [[operation, String(input.resourceARN)]];
    // SQS names a queue by URL (.../<account>/<name>); IAM by ARN.
    case 'sqs:GetQueueAttributes':
    case 'sqs:ReceiveMessage':
    case 'sqs:DeleteMessage': {
      const [account, name] = new URL(String(input.QueueUrl)).pathname.split('/').filter(Boolean);
      return [[operation, `arn:aws:sqs:${region}:${account}:${name}`]];
    }
    case 'bedrock:GetCustomModel': {
      const id = String(input.modelIdentifier);
      return [[operation, id.startsWith('arn:') ? id : `${bedrock}:custom-model/${id}`]];
    }
    default:
      return [['', '']];
  }
}

function record(call: AwsCall, sink?: AwsCall[]): void {
  sink?.push(call);
  const line = JSON.stringify(call);
  if (seen.has(line)) return;
  seen.add(line);
  const file = recordFile();
  if (file) appendFileSync(file, `${line}\n`);
}

/** The same client, recording each call it sends (to the run's file, and to `sink` when given). */
export function recorded<C extends S3Client | BedrockClient | BedrockRuntimeClient | SQSClient>(
  client: C,
  sink?: AwsCall[],
): C {
  // One middleware for both clients: typed through the S3 client's stack, it reads only the context.
  const stack = (client as S3Client).middlewareStack;
  if (stack.identify().some((entry) => entry.startsWith(MIDDLEWARE))) return client;
  const region = (client as S3Client).config.region;
  stack.add(
    (next, context) => async (args) => {
      const operation = operationName(context.clientName, context.commandName);
      const grants = async (output: Output, ok: boolean) => {
        for (const [action, resource, done = true] of grantsOf(operation, args.input as Input, output, await region()))
          record({ operation, action, resource, ok: ok && done }, sink);
      };
      try {
        const result = await next(args);
        await grants(result.output as unknown as Output, true);
        return result;
      } catch (err) {
        await grants(undefined, false);
        throw err;
      }
    },
    { step: 'initialize', name: MIDDLEWARE },
  );
  return client;
}

/** Everything recorded so far in this test run, by every test file. */
export function recordedCalls(): AwsCall[] {
  const file = recordFile();
  const lines = file && existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
  return [...new Set([...lines.filter(Boolean), ...seen])].map((line) => JSON.parse(line) as AwsCall);
}
