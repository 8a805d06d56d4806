import type { FineTuneRequest } from '../../src/core/request';
import { skipCheck, trainedRunRecordOf, trainingSettings, type TrainedRunRecord } from '../../src/core/retraining';

const request: FineTuneRequest = {
  customModelName: 'support-20260105-030000',
  roleArn: 'arn:aws:iam::123456789012:role/BedrockFineTuning',
  baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
  trainingDataConfig: { s3Uri: 's3://data/support/2026/01/05/train.jsonl' },
  outputDataConfig: { s3Uri: 's3://out/support/' },
  hyperParameters: { epochCount: '2', learningRate: '0.00001' },
  orchestration: { skipIfUnchanged: true },
};
const fingerprint = 'a'.repeat(64);
const last: TrainedRunRecord = {
  workflowId: 'support-2026-01-04T03:00:00Z',
  runId: 'run-1',
  scheduledAt: '2026-01-04T03:00:00.000Z',
  completedAt: '2026-01-04T05:12:00.000Z',
  datasetFingerprint: fingerprint,
  jobArn: 'arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/abc',
  customModelArn: 'arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/def',
  settings: trainingSettings(request),
};
const own = { scheduleId: 'support', fingerprint, settings: trainingSettings(request) };

describe('skip if unchanged', () => {
  it('skips when the dataset and the settings are those of the last trained run, naming it', () => {
    // Names, tags, data locations and the output differ from run to run; the model would not.
    const next = trainingSettings({
      ...request,
      customModelName: 'support-20260106-030000',
      trainingDataConfig: { s3Uri: 's3://data/support/2026/01/06/train.jsonl' },
      jobTags: [{ key: 'team', value: 'support' }],
      hyperParameters: { learningRate: '0.00001', epochCount: '2' },
    });
    const check = skipCheck({ ...own, settings: next, recorded: last });
    expect(check).toEqual({
      verdict: 'skip',
      matched: {
        workflowId: last.workflowId,
        runId: 'run-1',
        scheduledAt: last.scheduledAt,
        completedAt: last.completedAt,
        datasetFingerprint: fingerprint,
        jobArn: last.jobArn,
        customModelArn: last.customModelArn,
      },
      reason: `the prepared dataset (\`aaaaaaaaaaaa\`) and the training settings are those of ${last.workflowId}, completed ${last.completedAt}, which trained ${last.customModelArn}: no job was created`,
    });
  });

  it('trains on a changed dataset, saying what it compared with', () => {
    const check = skipCheck({ ...own, fingerprint: 'b'.repeat(64), recorded: last });
    expect(check).toMatchObject({
      verdict: 'train',
      reason: `the dataset changed since ${last.workflowId} (\`aaaaaaaaaaaa\` then, \`bbbbbbbbbbbb\` now)`,
      comparedWith: { workflowId: last.workflowId },
    });
  });

  it('trains on unchanged data when a setting that shapes the model changed, naming it', () => {
    const settings = trainingSettings({ ...request, hyperParameters: { epochCount: '3', learningRate: '0.00001' } });
    expect(skipCheck({ ...own, settings, recorded: last })).toMatchObject({
      verdict: 'train',
      reason: `the dataset is unchanged but the training settings changed since ${last.workflowId} (hyperParameters)`,
    });
    const other = trainingSettings({ ...request, baseModelIdentifier: 'amazon.nova-lite-v1:0:300k' });
    expect(skipCheck({ ...own, settings: other, recorded: last }).reason).toMatch(/\(baseModelIdentifier\)$/);
  });

  it('trains with nothing to compare: no schedule, no record yet, or a record it cannot read', () => {
    expect(skipCheck({ ...own, scheduleId: undefined, recorded: last })).toEqual({
      verdict: 'train',
      reason: 'skip if unchanged applies to runs a schedule starts; no schedule started this one',
    });
    expect(skipCheck({ ...own, recorded: undefined }).reason).toBe(
      "schedule support has no trained run on record yet (one is recorded when this run's job completes)",
    );
    for (const recorded of ['text', { ...last, datasetFingerprint: 7 }, { ...last, settings: undefined }]) {
      expect(trainedRunRecordOf(recorded)).toBeUndefined();
      expect(skipCheck({ ...own, recorded })).toMatchObject({
        verdict: 'train',
        reason: expect.stringMatching(/^the record of schedule support's last trained run is unreadable/),
      });
    }
  });
});
