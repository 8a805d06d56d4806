// Evaluating a model behind a deployment. An evaluation job cannot name a custom model deployment
// (model-lifecycle.md 6.3), so each model's answers are generated here through bedrock-runtime Converse
// and handed to a judge evaluation job as precomputed inference ("bring your own inference"); the
// per-prompt scores it writes to S3 are averaged here (no aggregate file is documented).
import {
  CreateEvaluationJobCommand,
  GetEvaluationJobCommand,
  ListEvaluationJobsCommand,
  ListTagsForResourceCommand,
  StopEvaluationJobCommand,
  type BedrockClient,
  type EvaluationTaskType,
} from '@aws-sdk/client-bedrock';
import { ConverseCommand, type BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { S3Client } from '@aws-sdk/client-s3';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { awsErrorMessage, awsErrorName } from '../../aws/errors';
import { listObjects, objectLines } from '../../aws/s3-lines';
import { getText, putText } from '../../aws/s3-objects';
import { backoffDelay, type Backoff } from '../../core/backoff';
import { parseS3Uri } from '../../core/bedrock-patterns';
import { parseEvaluationDataset, type EvaluationPrompt } from '../../core/evaluation-dataset';
import { FailureType } from '../../core/failures';
import type { LineageScope } from '../../core/lineage';
import { averages, type JudgeMetric, type MetricAverages } from '../../core/promotion';
import { failFastOnRejection } from '../bedrock-errors';
import { retryLater } from './retry-later';
import { lineageOf, withLineage } from '../../aws/lineage-tags';

/** Each model's answers are written in parts of this many, so a retried generation resumes. */
const PART = 25;
const WAIT: Backoff = { initialMs: 30_000, coefficient: 2, maximumMs: 120_000, jitter: 0 };

export interface GenerateAnswersInput {
  /** The deployment or Provisioned Throughput ARN to ask. */
  servingArn: string;
  datasetUri: string;
  /** Where the precomputed-inference dataset goes (one JSON line per prompt, with modelResponses). */
  outputUri: string;
  /** The inferenceSourceIdentifier of these answers: 'new' or 'current'. */
  label: string;
  requestsPerMinute: number;
}

export interface GeneratedAnswers {
  uri: string;
  prompts: number;
  /** Prompts the model failed to answer (its own error): judged as empty answers. */
  failed: number;
}

/** The model's own failure on one prompt: judged as no answer, not retried. */
const MODEL_FAILURES = new Set(['ModelErrorException', 'ModelTimeoutException']);

/** Heartbeat details: how many prompts have their answer written in parts. */
interface AnswerProgress {
  done: number;
  failed: number;
}

export interface StartEvaluationInput {
  jobName: string;
  clientRequestToken: string;
  roleArn: string;
  judge: string;
  metrics: JudgeMetric[];
  /** The precomputed-inference dataset generateAnswers wrote. */
  datasetUri: string;
  label: string;
  outputUri: string;
  workflowId: string;
}

export interface EvaluationRef {
  jobArn: string;
  jobName: string;
  outputUri: string;
}

function datasetPrompts(text: string | undefined, uri: string): EvaluationPrompt[] {
  if (text === undefined) {
    throw ApplicationFailure.nonRetryable(`the evaluation dataset ${uri} does not exist`, FailureType.InvalidRequest);
  }
  const { prompts, problems } = parseEvaluationDataset(text, uri);
  if (problems.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `the evaluation dataset is invalid:\n  - ${problems.join('\n  - ')}`,
      FailureType.InvalidRequest,
    );
  }
  return prompts;
}

/** One Converse call: the model's text answer to one prompt, deterministic settings. */
export async function converse(runtime: BedrockRuntimeClient, modelId: string, prompt: string): Promise<string> {
  const answer = await runtime.send(
    new ConverseCommand({
      modelId,
      messages: [{ role: 'user', content: [{ text: prompt }] }],
      inferenceConfig: { maxTokens: 512, temperature: 0 },
    }),
  );
  return (answer.output?.message?.content ?? []).map((c) => ('text' in c ? (c.text ?? '') : '')).join('');
}

export function evaluationActivities(deps: {
  bedrock: BedrockClient;
  runtime: BedrockRuntimeClient;
  s3: S3Client;
  scope: LineageScope;
}) {
  async function findByName(jobName: string): Promise<{ jobArn: string; status: string } | undefined> {
    let nextToken: string | undefined;
    do {
      const page = await deps.bedrock.send(new ListEvaluationJobsCommand({ nameContains: jobName, nextToken }));
      const found = page.jobSummaries?.find((j) => j.jobName === jobName);
      if (found?.jobArn) return { jobArn: found.jobArn, status: found.status ?? 'InProgress' };
      nextToken = page.nextToken;
    } while (nextToken);
    return undefined;
  }

  return {
    /** The evaluation prompts, checked (line numbers); what preflight and the smoke test read. */
    async readEvaluationPrompts(datasetUri: string): Promise<EvaluationPrompt[]> {
      return datasetPrompts(await getText(deps.s3, datasetUri), datasetUri);
    },

    /**
     * Asks the model behind `servingArn` every prompt, at most `requestsPerMinute`, and writes the
     * answers as a precomputed-inference dataset. Resumes where a killed attempt stopped (its parts).
     */
    async generateAnswers(input: GenerateAnswersInput): Promise<GeneratedAnswers> {
      const context = Context.current();
      const prompts = datasetPrompts(await getText(deps.s3, input.datasetUri), input.datasetUri);
      const previous = context.info.heartbeatDetails as AnswerProgress | undefined;
      const partUri = (index: number) => `${input.outputUri}.parts/${String(index).padStart(5, '0')}.jsonl`;
      const pauseMs = 60_000 / input.requestsPerMinute;
      let done = previous?.done ?? 0;
      let failed = previous?.failed ?? 0;
      let failedInPart = 0;
      let lines: string[] = [];
      for (let i = done; i < prompts.length; i++) {
        const started = Date.now();
        const { prompt, referenceResponse, category } = prompts[i];
        let response = '';
        try {
          response = await converse(deps.runtime, input.servingArn, prompt);
        } catch (err) {
          if (!MODEL_FAILURES.has(awsErrorName(err))) failFastOnRejection(err, `Converse on ${input.servingArn}`);
          failedInPart += 1;
        }
        lines.push(
          JSON.stringify({
            prompt,
            ...(referenceResponse !== undefined ? { referenceResponse } : {}),
            ...(category !== undefined ? { category } : {}),
            modelResponses: [{ response, modelIdentifier: input.label }],
          }),
        );
        if (lines.length === PART || i === prompts.length - 1) {
          await putText(deps.s3, partUri(Math.floor(i / PART)), `${lines.join('\n')}\n`, 'application/jsonl');
          lines = [];
          done = i + 1;
          failed += failedInPart;
          failedInPart = 0;
        }
        context.heartbeat({ done, failed } satisfies AnswerProgress);
        const rest = pauseMs - (Date.now() - started);
        if (rest > 0 && i < prompts.length - 1) await context.sleep(rest);
      }
      const parts: string[] = [];
      for (let index = 0; index * PART < prompts.length; index++)
        parts.push((await getText(deps.s3, partUri(index))) ?? '');
      await putText(deps.s3, input.outputUri, parts.join(''), 'application/jsonl');
      return { uri: input.outputUri, prompts: prompts.length, failed };
    },

    /**
     * Creates the judge evaluation job of one model's answers, exactly once: its token is derived from
     * the promotion, and a job under its name carrying this promotion's lineage is the one an earlier
     * attempt created.
     */
    async startEvaluation(input: StartEvaluationInput): Promise<EvaluationRef> {
      try {
        const { jobArn } = await deps.bedrock.send(
          new CreateEvaluationJobCommand({
            jobName: input.jobName,
            jobDescription: `bedrock-finetune: ${input.label} model of ${input.workflowId}`.slice(0, 200),
            roleArn: input.roleArn,
            clientRequestToken: input.clientRequestToken,
            applicationType: 'ModelEvaluation',
            evaluationConfig: {
              automated: {
                datasetMetricConfigs: [
                  {
                    // What AWS's own judge-job examples send (not in the model's enum; sent unchanged).
                    taskType: 'General' as EvaluationTaskType,
                    dataset: { name: 'prompts', datasetLocation: { s3Uri: input.datasetUri } },
                    metricNames: input.metrics,
                  },
                ],
                evaluatorModelConfig: { bedrockEvaluatorModels: [{ modelIdentifier: input.judge }] },
              },
            },
            inferenceConfig: {
              models: [{ precomputedInferenceSource: { inferenceSourceIdentifier: input.label } }],
            },
            outputDataConfig: { s3Uri: input.outputUri },
            jobTags: withLineage([], { ...deps.scope, workflowId: input.workflowId, role: 'evaluation-job' }),
          }),
        );
        return { jobArn: jobArn!, jobName: input.jobName, outputUri: input.outputUri };
      } catch (err) {
        if (awsErrorName(err) === 'ConflictException' || awsErrorName(err) === 'ValidationException') {
          const existing = await findByName(input.jobName);
          if (existing) {
            const { tags } = await deps.bedrock.send(new ListTagsForResourceCommand({ resourceARN: existing.jobArn }));
            if (lineageOf(tags)?.workflowId === input.workflowId)
              return { jobArn: existing.jobArn, jobName: input.jobName, outputUri: input.outputUri };
            throw ApplicationFailure.nonRetryable(
              `the evaluation job name ${input.jobName} is taken by another's job (${existing.jobArn})`,
              FailureType.InvalidRequest,
            );
          }
        }
        if (awsErrorName(err) === 'ServiceQuotaExceededException') {
          retryLater(`evaluation jobs at their quota; trying again: ${awsErrorMessage(err)}`, 60_000);
        }
        failFastOnRejection(err, 'CreateEvaluationJob');
      }
    },

    /** Returns once the job has Completed; Failed or Stopped end with its messages. */
    async waitEvaluation(input: EvaluationRef & { backoff?: Backoff }): Promise<void> {
      const { attempt } = Context.current().info;
      const job = await deps.bedrock
        .send(new GetEvaluationJobCommand({ jobIdentifier: input.jobArn }))
        .catch((err: unknown) => failFastOnRejection(err, 'GetEvaluationJob'));
      if (job.status === 'Completed') return;
      if (job.status === 'Failed' || job.status === 'Stopped' || job.status === 'Deleting') {
        throw ApplicationFailure.nonRetryable(
          `evaluation job ${input.jobName} ${job.status}: ${(job.failureMessages ?? []).join('; ') || 'no message'}`,
          FailureType.EvaluationFailed,
        );
      }
      retryLater(`evaluation job ${input.jobName} is ${job.status}`, backoffDelay(input.backoff ?? WAIT, attempt));
    },

    /** The mean score per metric over the job's output lines (`*_output.jsonl` under its folder). */
    async readEvaluationScores(input: EvaluationRef): Promise<MetricAverages> {
      const { bucket, key } = parseS3Uri(input.outputUri);
      const prefix = `${key}${key && !key.endsWith('/') ? '/' : ''}${input.jobName}/`;
      const scores: { metricName: string; result: number | null }[] = [];
      let files = 0;
      for await (const object of listObjects(deps.s3, bucket, prefix)) {
        // The job's own folder (job names are unique per account and Region); not the custom metrics' definitions.
        if (!object.key.endsWith('_output.jsonl') || object.key.includes('custom_metrics/')) continue;
        files += 1;
        for await (const raw of objectLines(deps.s3, bucket, object.key)) {
          const text = Buffer.from(raw).toString('utf8').trim();
          if (!text) continue;
          const line = JSON.parse(text) as {
            automatedEvaluationResult?: { scores?: { metricName?: string; result?: number | null }[] };
          };
          for (const s of line.automatedEvaluationResult?.scores ?? []) {
            if (s.metricName) scores.push({ metricName: s.metricName, result: s.result ?? null });
          }
        }
      }
      if (files === 0) {
        throw ApplicationFailure.nonRetryable(
          `evaluation job ${input.jobName} completed but wrote no *_output.jsonl under s3://${bucket}/${prefix}`,
          FailureType.EvaluationFailed,
        );
      }
      return averages(scores);
    },

    /** Stops the evaluation job of this name if it still runs: 'stopped', 'already-ended' or 'absent'. */
    async stopEvaluation(jobName: string): Promise<'stopped' | 'already-ended' | 'absent'> {
      const found = await findByName(jobName);
      if (!found) return 'absent';
      if (found.status !== 'InProgress') return 'already-ended';
      try {
        await deps.bedrock.send(new StopEvaluationJobCommand({ jobIdentifier: found.jobArn }));
        return 'stopped';
      } catch (err) {
        if (awsErrorName(err) === 'ConflictException') return 'already-ended';
        failFastOnRejection(err, 'StopEvaluationJob');
      }
    },

    /** The first `prompts` prompts through the production ARN: every one must be answered. */
    async smokeTest(input: { servingArn: string; datasetUri: string; prompts: number }): Promise<{
      passed: boolean;
      answered: number;
      failure?: string;
    }> {
      const prompts = datasetPrompts(await getText(deps.s3, input.datasetUri), input.datasetUri).slice(
        0,
        input.prompts,
      );
      for (const [i, { prompt }] of prompts.entries()) {
        try {
          const answer = await converse(deps.runtime, input.servingArn, prompt);
          if (answer.trim() === '') return { passed: false, answered: i, failure: `prompt ${i + 1}: an empty answer` };
        } catch (err) {
          const name = awsErrorName(err);
          // Throttling and 5xx were retried by the SDK; what is left is the model's own failure.
          return { passed: false, answered: i, failure: `prompt ${i + 1}: ${name}: ${awsErrorMessage(err)}` };
        }
        Context.current().heartbeat(i + 1);
      }
      return { passed: true, answered: prompts.length };
    },
  };
}
