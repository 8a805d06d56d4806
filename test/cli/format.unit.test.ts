// The CLI's text (pure): the phase track, progress lines, metrics, promotion and failure blocks, list
// queries, and the demo's renaming of its example.
import type { LiveProgress, PromotionResult } from '../../src/client';
import { DEMO_EXAMPLE, demoRequest } from '../../src/cli/demo';
import {
  elapsed,
  failureLines,
  metricsLines,
  lossTrend,
  phaseTrack,
  progressBlock,
  promotionResultLines,
  progressLine,
  relative,
  sparkline,
  table,
  watchLineKey,
} from '../../src/cli/format';
import { listQuery, sinceTime } from '../../src/cli/list';
import { durationText } from '../../src/core/time-text';
import { requestProblems } from '../../src/core/request';
import { exampleRequest } from './helpers';

function progress(overrides: Partial<LiveProgress>): LiveProgress {
  return {
    workflowId: 'wf',
    runId: 'run',
    workflowStatus: 'RUNNING',
    historyLength: 20,
    polls: 0,
    phase: 'preflight',
    pollsRecorded: 0,
    polling: { initialInterval: '30s', maximumInterval: '300s', backoffCoefficient: 2, jitter: 0.1 },
    startedAt: '2026-11-28T10:00:00.000Z',
    ...overrides,
  };
}

const dataset = {
  fingerprint: 'f'.repeat(64),
  reportUri: 's3://b/r.json',
  trainingRecords: 95,
  validationRecords: 20,
  estimatedTokens: 9800,
  warnings: 0,
  duplicatesRemoved: 0,
  bytes: 30_000,
};
const metrics = {
  epochs: [
    { epoch: 1, trainingLoss: 1.2, validationLoss: 1.3 },
    { epoch: 2, trainingLoss: 0.8, validationLoss: 0.9 },
  ],
  steps: 190,
  finalTrainingLoss: 0.8,
  finalValidationLoss: 0.9,
  bestEpoch: 2,
  crossCheck: 'match' as const,
};

describe('phaseTrack', () => {
  it('ticks what is done and points at the current step, naming side phases', () => {
    expect(phaseTrack(progress({ phase: 'preparing-data' }))).toBe(
      '✓ preflight  ▶ dataset  · create job  · training  · metrics',
    );
    expect(phaseTrack(progress({ phase: 'waiting-for-quota', dataset }))).toBe(
      '✓ preflight  ✓ dataset  ▶ create job (waiting for quota)  · training  · metrics',
    );
    expect(phaseTrack(progress({ phase: 'stopping', dataset, jobArn: 'arn' }))).toContain('▶ training (stopping)');
  });

  it('marks where an ended run stopped', () => {
    expect(phaseTrack(progress({ phase: 'failed', dataset, jobArn: 'arn', jobStatus: 'Failed' }))).toBe(
      '✓ preflight  ✓ dataset  ✓ create job  ✓ training  ✗ metrics  ✗ failed',
    );
    expect(phaseTrack(progress({ phase: 'failed' }))).toBe(
      '✗ preflight  · dataset  · create job  · training  · metrics  ✗ failed',
    );
    expect(phaseTrack(progress({ phase: 'stopped', dataset, jobArn: 'arn', jobStatus: 'InProgress' }))).toBe(
      '✓ preflight  ✓ dataset  ✓ create job  ■ training  · metrics  ■ stopped',
    );
    expect(phaseTrack(progress({ phase: 'completed' }))).toBe(
      '✓ preflight  ✓ dataset  ✓ create job  ✓ training  ✓ metrics  ✓ completed',
    );
  });
});

describe('promotion', () => {
  const promotion: PromotionResult = {
    outcome: 'gated',
    reasons: ['Builtin.Correctness 0.6500 is below the minimum 0.7'],
    deployment: { kind: 'deployment', name: 'support-bot', arn: 'arn:dep' },
    modelArn: 'arn:new',
    previousModelArn: 'arn:old',
    scores: [
      { metric: 'Builtin.Correctness', new: 0.65, current: 0.81234, min: 0.7, maxDrop: 0.02, verdict: 'fail' },
      { metric: 'Builtin.Helpfulness', new: 0.8, current: null, verdict: 'no-gate' },
    ],
    timings: { startedAt: '2026-11-28T10:00:00.000Z', finishedAt: '2026-11-28T10:10:00.000Z' },
  };

  it('adds the promote step to the track of a run that promotes, with how it ended', () => {
    expect(phaseTrack(progress({ phase: 'promoting', dataset, jobArn: 'arn', jobStatus: 'Completed', metrics }))).toBe(
      '✓ preflight  ✓ dataset  ✓ create job  ✓ training  ✓ metrics  ▶ promote',
    );
    expect(phaseTrack(progress({ phase: 'completed', promotion }))).toBe(
      '✓ preflight  ✓ dataset  ✓ create job  ✓ training  ✓ metrics  ✓ promote (gated)  ✓ completed',
    );
    expect(phaseTrack(progress({ phase: 'completed', promotion: { ...promotion, outcome: 'promoted' } }))).toBe(
      '✓ preflight  ✓ dataset  ✓ create job  ✓ training  ✓ metrics  ✓ promote  ✓ completed',
    );
  });

  it('prints the outcome, why, and the comparison table (metric, new, current, threshold, verdict)', () => {
    expect(promotionResultLines(promotion)).toEqual([
      'Promotion ✗ gated: not promoted (deployment support-bot)',
      '  model           arn:new',
      '  deployment      arn:dep',
      '  previous model  arn:old',
      '  why             Builtin.Correctness 0.6500 is below the minimum 0.7',
      '  scores',
      '    metric                  new  current  threshold              verdict',
      '    Builtin.Correctness  0.6500   0.8123  min 0.7, maxDrop 0.02  fail',
      '    Builtin.Helpfulness  0.8000        -  -                      -',
    ]);
  });

  it('shows the table in status, and in the failure of a run whose promotion rolled back', () => {
    const block = progressBlock(progress({ phase: 'completed', workflowStatus: 'COMPLETED', promotion }));
    expect(block).toContain('  Promotion ✗ gated: not promoted (deployment support-bot)');
    expect(block).toContain('      metric                  new  current  threshold              verdict');
    const failure = failureLines({
      type: 'PromotionRolledBack',
      message: 'promotion to support-bot: the smoke test failed',
      details: { promotion: { ...promotion, outcome: 'rolled-back' } },
    });
    expect(failure).toContain(
      'Promotion ✗ rolled back: production serves the model it served before (deployment support-bot)',
    );
    expect(failure).toContain('    Builtin.Correctness  0.6500   0.8123  min 0.7, maxDrop 0.02  fail');
  });
});

describe('progress lines', () => {
  it('say where the run and the job are, and change only when they do', () => {
    const a = progress({
      phase: 'training',
      jobArn: 'arn',
      jobStatus: 'InProgress',
      polls: 3,
      nextPollTime: '2026-11-28T10:01:22Z',
      statusDetails: {
        validation: { status: 'Completed' },
        dataProcessing: { status: 'InProgress' },
        training: { status: 'NotStarted' },
      },
    });
    expect(progressLine(a, new Date('2026-11-28T10:01:02Z'))).toBe(
      '10:01:02 training | job InProgress | validation Completed · data processing InProgress · training NotStarted | polls 3 | next poll in 20s | elapsed 1m 02s',
    );
    expect(watchLineKey({ ...a, polls: 9, lastPollTime: '2026-11-28T10:05:00Z' })).toBe(watchLineKey(a));
    expect(
      watchLineKey({ ...a, statusDetails: { ...a.statusDetails, dataProcessing: { status: 'Completed' } } }),
    ).not.toBe(watchLineKey(a));
  });
});

describe('watch extras', () => {
  it('draws a loss sparkline once losses exist, with elapsed time and the next poll in the block', () => {
    expect(sparkline([4, 3, 2, 1])).toBe('█▆▃▁');
    expect(sparkline([1, 1])).toBe('▄▄');
    expect(sparkline([])).toBe('');
    expect(lossTrend(undefined)).toBeUndefined();
    expect(lossTrend(metrics)).toBe('█▁ 1.2000 -> 0.8000');
    const now = Date.parse('2026-11-28T10:03:05Z');
    const block = progressBlock(
      progress({ phase: 'training', jobArn: 'arn', polls: 2, nextPollTime: '2026-11-28T10:03:35Z', metrics }),
      now,
    );
    expect(block).toContain('  loss     █▁ 1.2000 -> 0.8000');
    expect(block.find((l) => l.includes('started'))).toContain('(elapsed 3m 05s)');
    // A run's age is whole seconds, even in its first second (CI once saw 'elapsed 739ms').
    expect(elapsed({ startedAt: '2026-11-28T10:03:04.261Z' }, now)).toBe('0s');
    expect(elapsed({ startedAt: '2026-11-28T10:03:03.500Z' }, now)).toBe('2s');
    expect(block.find((l) => l.includes('polls'))).toContain('next in 30s');
    const done = progressLine(
      progress({ workflowStatus: 'COMPLETED', phase: 'completed', jobStatus: 'Completed', metrics }),
      new Date(now),
    );
    expect(done).toBe('10:03:05 completed | job Completed | loss █▁ 1.2000 -> 0.8000');
  });
});

describe('metrics and failures', () => {
  it('prints the per-epoch table with the best epoch and the summary', () => {
    expect(metricsLines(metrics)).toEqual([
      'epoch  training loss  validation loss',
      '    1         1.2000           1.3000',
      '    2         0.8000           0.9000  <- best',
      '190 steps; final training loss 0.8000, validation loss 0.9000; cross-check with Bedrock: match',
    ]);
  });

  it('prints a DatasetInvalid failure with its report and the first five problems', () => {
    const problems = Array.from({ length: 7 }, (_, i) => ({
      rule: 'invalid-json',
      severity: 'error',
      line: i + 2,
      message: `line ${i + 2} is not JSON`,
    }));
    const lines = failureLines({
      type: 'DatasetInvalid',
      message: 'the training data has 7 errors',
      details: { reportUri: 's3://out/report.json', problems },
    });
    expect(lines.slice(0, 3)).toEqual([
      'Failed: DatasetInvalid',
      '  the training data has 7 errors',
      '  data report  s3://out/report.json',
    ]);
    expect(lines).toContain('  first problems (5 of 7):');
    expect(lines).toContain('    - line 2: line 2 is not JSON [invalid-json]');
    expect(lines.filter((l) => l.startsWith('    - '))).toHaveLength(5);
  });

  it('prints a BedrockJobFailed failure with the job', () => {
    expect(
      failureLines({
        type: 'BedrockJobFailed',
        message: 'Training failed.',
        details: { jobArn: 'arn:job', jobStatus: 'Failed' },
      }),
    ).toEqual(['Failed: BedrockJobFailed', '  Training failed.', '  job  arn:job (Failed)']);
  });
});

describe('small helpers', () => {
  it('formats durations, relative times and tables', () => {
    expect([durationText(45_000), durationText(185_000), durationText(7_440_000)]).toEqual(['45s', '3m 05s', '2h 04m']);
    expect(relative('2026-11-28T10:00:10Z', Date.parse('2026-11-28T10:00:00Z'))).toBe('in 10s');
    expect(relative('2026-11-28T09:59:00Z', Date.parse('2026-11-28T10:00:00Z'))).toBe('1m 00s ago');
    expect(table(['A', 'BB'], [['1', '22222']], [0])).toEqual(['A  BB', '1  22222']);
  });

  it('builds list queries from the shortcuts, ANDed with a raw query', () => {
    expect(
      listQuery({
        status: 'Failed',
        phase: 'stopped',
        baseModel: 'amazon.nova-micro-v1:0:128k',
        type: 'DISTILLATION',
        since: new Date('2026-11-01T00:00:00Z'),
        query: 'TrainingLoss < 0.5',
      }),
    ).toBe(
      "WorkflowType = 'fineTune' AND ExecutionStatus = 'Failed' AND FineTunePhase = 'stopped' AND BaseModel = 'amazon.nova-micro-v1:0:128k' AND CustomizationType = 'DISTILLATION' AND StartTime >= '2026-11-01T00:00:00.000Z' AND (TrainingLoss < 0.5)",
    );
    expect(sinceTime('2d', Date.parse('2026-11-03T00:00:00Z'))).toEqual(new Date('2026-11-01T00:00:00Z'));
    expect(sinceTime('2026-11-01T00:00:00Z')).toEqual(new Date('2026-11-01T00:00:00Z'));
    expect(() => sinceTime('last week')).toThrow("expected a duration ('24h', '7d') or a time");
    expect(() => listQuery({ baseModel: "x' OR 1=1" })).toThrow('quotes and backslashes are not allowed');
  });

  it('keeps list queries to fineTune runs', () => {
    expect(listQuery()).toBe("WorkflowType = 'fineTune'");
    expect(listQuery(" ExecutionStatus = 'Running' ")).toBe(
      "WorkflowType = 'fineTune' AND (ExecutionStatus = 'Running')",
    );
  });

  it('gives the demo a promotion that answers fast and scores above its gate, on one deployment per example', () => {
    const example = exampleRequest(DEMO_EXAMPLE);
    const request = demoRequest(example, '20261128-101500');
    expect(request.orchestration?.promotion).toMatchObject({
      deployment: example.orchestration?.promotion?.deployment,
      evaluation: { requestsPerMinute: 6000 },
    });
    expect(request.jobTags).toContainEqual({ key: 'simulator:eval-score', value: '0.86' });
    expect(requestProblems(request)).toEqual([]);
  });

  it('renames the demo example so every demo run has a new, valid model name', () => {
    const request = demoRequest(exampleRequest('fine-tuning-prompt-completion'), '20261128-101500');
    expect(request.customModelName).toBe('kestrel-support-titan-v1-demo-20261128-101500');
    expect(request.orchestration?.polling?.initialInterval).toBe('2s');
    expect(requestProblems(request)).toEqual([]);
  });
});
