// Step 2 of the fineTune workflow: stream the training data (a JSONL object, or every invocation log
// under a prefix) and any validation files from S3 through the dataset engine, check every media object
// the records reference, write a validation report, and, when asked, prepared files (exact duplicates
// removed; a seeded shuffle and split when no validation set is given).
//
// Where things go (under outputDataConfig.s3Uri):
//   prepared/<fingerprint>/validation-report.json    always, for valid data
//   prepared/<fingerprint>/train.jsonl, validation.jsonl   only when preparation changed the data
//   prepared/invalid-<sha256 of what was read>/validation-report.json   for invalid data, then DatasetInvalid
//   prepared/checkpoints/<run>/   while it runs (see dataset/checkpoint.ts); deleted at the end
// The fingerprint is the sha256 of the training content the job will use: the prepared train.jsonl, the
// original object when nothing changed, or the used invocation-log lines (each followed by \n).
//
// Retries resume: every 64 MiB read, the activity saves a checkpoint (byte offset, partial line, hash
// state, the engine's state, the records spooled so far) and heartbeats its URI; a retried attempt loads
// it and reads on from that offset. Every output is a function of the input and the data only (no
// timestamps; a seeded shuffle), so a resumed run writes the same bytes as one that was never stopped.
import type { S3Client } from '@aws-sdk/client-s3';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { tmpdir } from 'node:os';
import { putJson } from '../aws/s3-objects';
import { joinS3Uri } from '../core/bedrock-patterns';
import { customizationOf, type CatalogModel, type CustomizationSpec, type CustomizationType } from '../core/catalog';
import {
  DatasetContextError,
  datasetContextOf,
  DatasetValidator,
  DEFAULT_SEED,
  preparationOptionProblems,
  totalRecordProblems,
  validationSplitCount,
  withFileProblems,
  type DataPreparationOptions,
  type DatasetContext,
  type LineOutcome,
  type MetadataFilters,
} from '../core/dataset';
import { fileLimitProblems } from '../core/dataset/limits';
import type { FineTuneRequest } from '../core/request';
import { FailureType, type DatasetStats } from '../core/fine-tune-contract';
import type { Scan, ScanId } from './dataset/checkpoint';
import { PreparationAttempt } from './dataset/attempt';
import { RecordSpool } from './dataset/record-spool';
import { reportBody, REPORT_NAME, writeReportAndFail, type Preparation } from './dataset/validation-report';
import { LogScan, ObjectScan, withMediaChecked } from './dataset/scan';
import { writePreparedFiles } from './dataset/write-prepared';

export type { DataPreparationOptions } from '../core/dataset';
export type { PrepareDatasetProgress } from './dataset/progress';

export interface PrepareDatasetInput {
  baseModelIdentifier: string;
  customizationType: CustomizationType;
  trainingDataConfig: FineTuneRequest['trainingDataConfig'];
  validationDataConfig?: FineTuneRequest['validationDataConfig'];
  /** outputDataConfig.s3Uri: the report and prepared files go under `<it>/prepared/`. */
  outputS3Uri: string;
  /** batchSize changes token limits (Titan Text). */
  hyperParameters?: Record<string, string>;
  teacherModelIdentifier?: string;
  /** Absent: validate only. */
  preparation?: DataPreparationOptions;
}

export interface PrepareDatasetResult {
  /** sha256 hex of the content used for training. */
  fingerprint: string;
  reportUri: string;
  /** What the job should use: the prepared files' URIs, or the original configs. */
  trainingDataConfig: FineTuneRequest['trainingDataConfig'];
  validationDataConfig?: FineTuneRequest['validationDataConfig'];
  /** The run's dataset stats, less the fingerprint and report above. */
  stats: Omit<DatasetStats, 'fingerprint' | 'reportUri'>;
}

export interface PrepareDatasetDeps {
  s3: S3Client;
  /** Where prepared records are spooled; the OS temp folder by default. */
  tmpDir?: string;
  /** Bytes read between checkpoints (64 MiB by default; tests lower it). */
  checkpointBytes?: number;
  /** Media objects read at once (32 by default). */
  mediaConcurrency?: number;
}

const CHECKPOINT_BYTES = 64 * 1024 * 1024;

interface Job {
  model: CatalogModel;
  spec: CustomizationSpec;
  base: Omit<DatasetContext, 'role'>;
}

function invalidRequest(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, FailureType.InvalidRequest);
}

function resolveJob(input: PrepareDatasetInput): Job {
  let context: DatasetContext;
  try {
    context = datasetContextOf(
      {
        baseModelIdentifier: input.baseModelIdentifier,
        customizationType: input.customizationType,
        hyperParameters: input.hyperParameters,
        teacherModelIdentifier: input.teacherModelIdentifier,
      },
      'training',
    );
  } catch (err) {
    if (err instanceof DatasetContextError)
      throw invalidRequest(err.part ? `${err.part}: ${err.message}` : err.message);
    throw err;
  }
  const optionProblems = input.preparation ? preparationOptionProblems(input.preparation) : [];
  if (optionProblems.length > 0) throw invalidRequest(`preparation: ${optionProblems.join('; ')}`);
  const { role: _role, ...base } = context;
  return { model: base.model, spec: customizationOf(base.model, base.customizationType)!, base };
}

/** What a preparation works with: its input, the catalog entry, and the attempt's checkpoints. */
interface Preparing {
  deps: PrepareDatasetDeps;
  input: PrepareDatasetInput;
  job: Job;
  attempt: PreparationAttempt;
}

export function prepareDatasetActivities(deps: PrepareDatasetDeps) {
  return {
    async prepareDataset(input: PrepareDatasetInput): Promise<PrepareDatasetResult> {
      const job = resolveJob(input);
      const { s3Uri, invocationLogsConfig } = input.trainingDataConfig;
      if (!s3Uri === !invocationLogsConfig)
        throw invalidRequest('trainingDataConfig needs exactly one of s3Uri and invocationLogsConfig');
      const attempt = await PreparationAttempt.begin(deps.s3, input, deps.checkpointBytes ?? CHECKPOINT_BYTES);
      const preparing = { deps, input, job, attempt };
      try {
        const result = invocationLogsConfig ? await prepareFromLogs(preparing) : await prepareFromFile(preparing);
        await attempt.clear();
        return result;
      } catch (err) {
        // A read aborted by the run's cancel (a stop, the deadline) is a cancellation, not a failure.
        const cancelled = Context.current().cancellationSignal;
        if (cancelled.aborted) throw cancelled.reason ?? err;
        if (err instanceof DatasetContextError) throw invalidRequest(err.message);
        // A verdict is final: its checkpoints are of no further use. Anything else may be retried.
        if (err instanceof ApplicationFailure && err.nonRetryable) await attempt.clear();
        throw err;
      }
    },
  };
}

async function prepareFromLogs({ deps, input, job, attempt }: Preparing): Promise<PrepareDatasetResult> {
  const { state, progress } = attempt;
  const logs = input.trainingDataConfig.invocationLogsConfig!;
  const source = logs.invocationLogSource?.s3Uri;
  if (!source) throw invalidRequest('trainingDataConfig.invocationLogsConfig.invocationLogSource.s3Uri is missing');
  if ((input.validationDataConfig?.validators?.length ?? 0) > 0)
    throw invalidRequest('distillation takes no validation dataset: remove validationDataConfig');
  const ctx: DatasetContext = {
    ...job.base,
    role: 'training',
    invocationLogs: {
      usePromptResponse: logs.usePromptResponse,
      requestMetadataFilters: logs.requestMetadataFilters as MetadataFilters | undefined,
    },
  };
  const scanner = await LogScan.open(source, ctx, state.logs);
  const scan = await scanner.run(deps.s3, progress, {
    every: attempt.every,
    save: async () => {
      state.logs = scanner.snapshot();
      await attempt.save([]);
    },
  });
  const extra = { offloadedBodiesFetched: scanner.bodiesFetched };
  if (scan.report.verdict === 'invalid')
    return writeReportAndFail(deps.s3, input, scan, [], reportBody(input, undefined, scan, [], undefined, extra));
  const fingerprint = scanner.used.hex();
  const reportUri = joinS3Uri(input.outputS3Uri, 'prepared', fingerprint, REPORT_NAME);
  await putJson(deps.s3, reportUri, reportBody(input, fingerprint, scan, [], undefined, extra));
  return {
    fingerprint,
    reportUri,
    trainingDataConfig: input.trainingDataConfig,
    stats: {
      trainingRecords: scan.report.records,
      validationRecords: 0,
      estimatedTokens: scan.report.estimatedTokens.total,
      warnings: scan.report.warningCount,
      duplicatesRemoved: 0,
      bytes: scan.report.bytes,
    },
  };
}

async function prepareFromFile({ deps, input, job, attempt }: Preparing): Promise<PrepareDatasetResult> {
  const { state, progress } = attempt;
  const trainingUri = input.trainingDataConfig.s3Uri!;
  const { limits } = job.spec;
  const subject = `${job.model.modelName} ${input.customizationType}`;
  // Bedrock ignores a validation set for this model (Nova 2 Lite): it is not read, and the report says so.
  const validationIgnored = limits.validationIgnored === true;
  const validatorUris = (input.validationDataConfig?.validators ?? [])
    .map((v) => v.s3Uri)
    .filter((u): u is string => !!u);
  const checkedValidators = validationIgnored ? [] : validatorUris;
  const options = input.preparation;
  const spool =
    options && (options.dedupe || (options.validationSplit ?? 0) > 0)
      ? new RecordSpool(deps.tmpDir ?? tmpdir())
      : undefined;
  try {
    await attempt.restore(spool);

    // ---- training ----
    const keep = (outcome: LineOutcome) => outcome === 'record' || (outcome === 'duplicate' && !options?.dedupe);
    const trainingCtx: DatasetContext = {
      ...job.base,
      role: 'training',
      onMediaReference: attempt.onMedia('training'),
    };
    let trainingScan: ObjectScan | undefined;
    if (!state.training) {
      trainingScan = await ObjectScan.open(
        trainingUri,
        trainingCtx,
        {},
        state.current ? { state: state.current, journals: attempt.journalsOf('training') } : undefined,
      );
      const scan = trainingScan;
      progress.start('training', trainingUri, state.current?.lines ?? 0);
      state.training = await scan.run(
        deps.s3,
        progress,
        {
          every: attempt.every,
          save: async () => {
            state.current = scan.snapshot();
            await attempt.save([['training', scan.validator]], spool);
          },
        },
        spool
          ? (line, outcome) => {
              if (keep(outcome)) spool.add(line);
            }
          : undefined,
      );
      state.current = undefined;
    }
    let training = state.training;

    // ---- validation files: each against the training set, to report records in both ----
    let trainingRecords: DatasetValidator | undefined = trainingScan?.validator;
    if (!trainingRecords && checkedValidators.length > state.validation.length) {
      trainingRecords = new DatasetValidator({ ...job.base, role: 'training' }, { journal: true });
      trainingRecords.replayDuplicates(attempt.journalsOf('training'));
    }
    for (let i = state.validation.length; i < checkedValidators.length; i++) {
      const uri = checkedValidators[i];
      const scan = await ObjectScan.open(
        uri,
        { ...job.base, role: 'validation', onMediaReference: attempt.onMedia(i) },
        { training: trainingRecords },
        state.current ? { state: state.current, journals: attempt.journalsOf(i) } : undefined,
      );
      progress.start('validation', uri, state.current?.lines ?? 0);
      state.validation.push(
        await scan.run(deps.s3, progress, {
          every: attempt.every,
          save: async () => {
            state.current = scan.snapshot();
            const owners: [ScanId, DatasetValidator][] = [[i, scan.validator]];
            if (trainingScan) owners.push(['training', trainingScan.validator]);
            await attempt.save(owners, spool);
          },
        }),
      );
      state.current = undefined;
    }
    // Every scan is done: a retry from here on goes straight to the media check and the writing.
    if (attempt.checkpointed) await attempt.save(trainingScan ? [['training', trainingScan.validator]] : [], spool);

    // ---- media objects, read where they live ----
    const mediaLimits = job.model.conversation?.media;
    const checkMedia = (scan: Scan, id: ScanId): Promise<Scan> =>
      withMediaChecked(deps.s3, scan, attempt.mediaOf(id), mediaLimits, progress, deps.mediaConcurrency);
    training = await checkMedia(training, 'training');
    const validation: Scan[] = [];
    for (let i = 0; i < state.validation.length; i++) validation.push(await checkMedia(state.validation[i], i));

    // ---- counts as the job will see them: after dedupe and the held-out split ----
    const duplicatesRemoved = options?.dedupe ? training.report.duplicates : 0;
    const kept = training.report.records - duplicatesRemoved;
    const heldOut =
      spool && validatorUris.length === 0 ? validationSplitCount(kept, options?.validationSplit ?? 0, limits) : 0;
    const finalTraining = kept - heldOut;
    const validationRecords = heldOut + validation.reduce((sum, v) => sum + v.report.records, 0);
    const extra = totalRecordProblems(limits, finalTraining, validationRecords, subject);
    if (validationIgnored && validatorUris.length > 0)
      extra.push({
        rule: 'validation-ignored',
        message: `${subject} takes no validation set: Bedrock ignores ${validatorUris.join(', ')}, so it was not checked`,
      });
    if (duplicatesRemoved + heldOut > 0) {
      const after = fileLimitProblems(limits, {
        role: 'training',
        records: finalTraining,
        bytes: 0,
        subject,
      }).filter((p) => p.rule === 'too-few-records');
      extra.push(
        ...after.map((p) => ({
          ...p,
          message: `${p.message} (after removing ${duplicatesRemoved} duplicates and holding out ${heldOut} for validation)`,
        })),
      );
    }
    training = { ...training, report: withFileProblems(training.report, extra) };
    if ([training, ...validation].some((s) => s.report.verdict === 'invalid')) {
      return await writeReportAndFail(
        deps.s3,
        input,
        training,
        validation,
        reportBody(input, undefined, training, validation),
      );
    }

    const stats = {
      trainingRecords: finalTraining,
      validationRecords,
      estimatedTokens: training.report.estimatedTokens.total,
      warnings: [training, ...validation].reduce((sum, s) => sum + s.report.warningCount, 0),
      duplicatesRemoved,
      bytes: training.report.bytes,
    };
    if (!spool || duplicatesRemoved + heldOut === 0) {
      // Nothing to change: the job trains on the original objects.
      const fingerprint = training.sha256;
      const reportUri = joinS3Uri(input.outputS3Uri, 'prepared', fingerprint, REPORT_NAME);
      const preparation = options ? { options, duplicatesRemoved: 0, heldOut: 0 } : undefined;
      await putJson(deps.s3, reportUri, reportBody(input, fingerprint, training, validation, preparation));
      return {
        fingerprint,
        reportUri,
        trainingDataConfig: input.trainingDataConfig,
        validationDataConfig: input.validationDataConfig,
        stats,
      };
    }

    const prepared = await writePreparedFiles(deps.s3, spool, {
      heldOut,
      seed: options?.seed ?? DEFAULT_SEED,
      outputS3Uri: input.outputS3Uri,
      progress,
      source: trainingUri,
    });
    const { fingerprint, trainingUri: preparedTraining, validationUri: preparedValidation } = prepared;
    const reportUri = joinS3Uri(input.outputS3Uri, 'prepared', fingerprint, REPORT_NAME);
    const preparation: Preparation = {
      options: options ?? {},
      duplicatesRemoved,
      heldOut,
      trainingUri: preparedTraining,
      validationUri: preparedValidation,
    };
    await putJson(deps.s3, reportUri, reportBody(input, fingerprint, training, validation, preparation));
    return {
      fingerprint,
      reportUri,
      trainingDataConfig: { s3Uri: preparedTraining },
      validationDataConfig: preparedValidation
        ? { validators: [{ s3Uri: preparedValidation }] }
        : input.validationDataConfig,
      stats: { ...stats, bytes: prepared.bytes },
    };
  } finally {
    spool?.dispose();
  }
}
