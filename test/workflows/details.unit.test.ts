// The Markdown a run shows as its current details in the Temporal UI (src/workflows/details.ts), from
// states written by hand: no server, no worker. The same Markdown read back through the UI's metadata
// query from real runs is checked in fine-tune.test.ts and templates.test.ts.
import type { FineTuneRequest } from '../../src/core/request';
import { currentDetailsMarkdown } from '../../src/workflows/details';
import type { RunState } from '../../src/workflows/run-state';

const request: FineTuneRequest = {
  customModelName: 'support-bot-v1',
  roleArn: 'arn:aws:iam::123456789012:role/BedrockFineTuning',
  baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
  trainingDataConfig: { s3Uri: 's3://finetune-datasets/support/train.jsonl' },
  outputDataConfig: { s3Uri: 's3://finetune-outputs/support/' },
};

const JOB_ARN = 'arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/abc123';

/** A run 20 minutes into training: a job, three recorded polls, the next one due. */
function training(): RunState {
  return {
    phase: 'training',
    timeline: [
      { phase: 'preflight', at: '2026-11-28T14:00:00.000Z' },
      { phase: 'preparing-data', at: '2026-11-28T14:00:02.000Z' },
      { phase: 'creating-job', at: '2026-11-28T14:00:47.000Z' },
      { phase: 'training', at: '2026-11-28T14:00:49.000Z' },
    ],
    startedAt: '2026-11-28T14:00:00.000Z',
    polling: { initialMs: 30_000, coefficient: 2, maximumMs: 300_000, jitter: 0.1 },
    delayMs: 60_000,
    pollsRecorded: 3,
    lastPollTime: '2026-11-28T14:20:00.000Z',
    nextPollTime: '2026-11-28T14:21:00.000Z',
    deadlineAt: '2026-11-29T02:00:00.000Z',
    dataset: {
      fingerprint: '0123456789abcdef'.repeat(4),
      reportUri: 's3://finetune-outputs/support/validation-report.json',
      trainingRecords: 950,
      validationRecords: 50,
      estimatedTokens: 120_000,
      warnings: 0,
      duplicatesRemoved: 2,
      bytes: 400_000,
      trainingDataConfig: request.trainingDataConfig,
    },
    createStarted: true,
    job: {
      jobArn: JOB_ARN,
      jobName: 'support-bot-v1-job',
      clientRequestToken: 'token',
      createdAt: '2026-11-28T14:00:48.000Z',
      adopted: false,
    },
    snapshot: {
      status: 'InProgress',
      statusDetails: {
        validation: { status: 'Completed' },
        dataProcessing: { status: 'Completed' },
        training: { status: 'InProgress' },
      },
    },
    pokeRequested: false,
  };
}

/** The rows of the first table, as `label -> value`. */
function rows(markdown: string): Record<string, string> {
  const table = markdown.split('\n\n')[1].split('\n').slice(2);
  return Object.fromEntries(
    table.map((line) => {
      const [, label, value] = /^\| (.*?) \| (.*) \|$/.exec(line)!;
      return [label, value];
    }),
  );
}

describe('a run while its job trains', () => {
  it('says where it is: the model, the data, the job, its phases, the polls and the deadline', () => {
    const markdown = currentDetailsMarkdown(request, training());
    expect(markdown.split('\n').slice(0, 4)).toEqual(['### support-bot-v1: training', '', '| | |', '|---|---|']);
    expect(rows(markdown)).toEqual({
      'Base model': 'amazon.nova-micro-v1:0:128k',
      Type: 'FINE_TUNING',
      Dataset: '950 training / 50 validation records, fingerprint `0123456789ab`',
      'Bedrock job': `\`${JOB_ARN}\``,
      'Job status': 'InProgress',
      Phases: 'validation Completed, data processing Completed, training InProgress',
      'Polls recorded': '3',
      'Last poll': '2026-11-28 14:20:00Z',
      'Next poll':
        '2026-11-28 14:21:00Z (while nothing changes, later looks back off to every 5m 00s; `finetune status` shows the live time)',
      Deadline: '2026-11-29 02:00:00Z',
    });
  });

  it('times each phase, the one it is in "under way"; no loss table before the metrics', () => {
    const markdown = currentDetailsMarkdown(request, training());
    expect(markdown).toContain(
      [
        '#### Timeline',
        '',
        '| Phase | Began | Took |',
        '|---|---|---:|',
        '| preflight | 2026-11-28 14:00:00Z | 2s |',
        '| preparing-data | 2026-11-28 14:00:02Z | 45s |',
        '| creating-job | 2026-11-28 14:00:47Z | 2s |',
        '| training | 2026-11-28 14:00:49Z | under way |',
      ].join('\n'),
    );
    expect(markdown.endsWith('| training | 2026-11-28 14:00:49Z | under way |')).toBe(true);
    expect(markdown).not.toContain('Loss per epoch');
  });

  it('marks an adopted job, names its schedule and warnings, and says why it trains rather than skips', () => {
    const state: RunState = {
      ...training(),
      job: { ...training().job!, adopted: true },
      scheduled: { scheduleId: 'nightly', scheduledAt: '2026-11-28T14:00:00.000Z' },
      preflight: { modelId: 'amazon.nova-micro-v1:0:128k', customizationType: 'FINE_TUNING', warnings: ['a', 'b'] },
      skipCheck: { verdict: 'train', reason: 'the data changed since the last trained run' },
    };
    const r = rows(currentDetailsMarkdown({ ...request, customizationType: 'DISTILLATION' }, state));
    expect(r['Bedrock job']).toBe(`\`${JOB_ARN}\` (adopted)`);
    expect(r.Type).toBe('DISTILLATION');
    expect(r.Schedule).toBe('nightly, scheduled 2026-11-28 14:00:00Z');
    expect(r.Warnings).toBe('a; b');
    expect(r['Skip if unchanged']).toBe('not skipped: the data changed since the last trained run');
    expect(r.Skipped).toBeUndefined();
  });

  it('shows no next poll outside training, and leaves out what it does not know (no empty rows)', () => {
    const state: RunState = { ...training(), phase: 'stopping', preflight: { ...base(), warnings: [] } };
    const r = rows(currentDetailsMarkdown(request, state));
    expect(r['Next poll']).toBeUndefined();
    expect(r.Warnings).toBeUndefined();
    const early = rows(
      currentDetailsMarkdown(request, {
        phase: 'preflight',
        startedAt: '2026-11-28T14:00:00.000Z',
        polling: training().polling,
        delayMs: 30_000,
        pollsRecorded: 0,
        pokeRequested: false,
      }),
    );
    expect(early).toEqual({ 'Base model': 'amazon.nova-micro-v1:0:128k', Type: 'FINE_TUNING' });
  });
});

function base() {
  return { modelId: 'amazon.nova-micro-v1:0:128k', customizationType: 'FINE_TUNING' as const };
}

describe('a finished run', () => {
  const epochs = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ epoch: i + 1, trainingLoss: 2 / (i + 1), validationLoss: 2.5 / (i + 1) }));

  it('shows its losses, best epoch and a per-epoch table, and the last phase took nothing more', () => {
    const state: RunState = {
      ...training(),
      phase: 'completed',
      timeline: [...training().timeline!, { phase: 'completed', at: '2026-11-28T15:03:49.000Z' }],
      metrics: {
        epochs: epochs(2),
        steps: 40,
        finalTrainingLoss: 1,
        finalValidationLoss: 1.25,
        bestEpoch: 2,
        crossCheck: 'match',
      },
    };
    const markdown = currentDetailsMarkdown(request, state);
    const r = rows(markdown);
    expect([r['Training loss'], r['Validation loss'], r['Best epoch'], r['Mean reward']]).toEqual([
      '1.0000',
      '1.2500',
      '2',
      undefined,
    ]);
    expect(markdown).toContain(
      [
        '#### Loss per epoch',
        '',
        '| Epoch | Training loss | Validation loss |',
        '|---:|---:|---:|',
        '| 1 | 2.0000 | 2.5000 |',
        '| 2 | 1.0000 | 1.2500 |',
      ].join('\n'),
    );
    expect(markdown).toContain('| training | 2026-11-28 14:00:49Z | 1h 03m |\n| completed | 2026-11-28 15:03:49Z |  |');
  });

  it('shows the first 30 epochs and says how many more are in report.json', () => {
    const state: RunState = {
      ...training(),
      phase: 'completed',
      metrics: { epochs: epochs(33), steps: 660, crossCheck: 'unavailable' },
    };
    const markdown = currentDetailsMarkdown(request, state);
    expect(markdown).toContain('| 30 | 0.0667 | 0.0833 |');
    expect(markdown).not.toContain('| 31 |');
    expect(markdown).toContain("\n\n3 more epochs in the run's report.json.");
  });

  it('reinforcement fine-tuning: the mean reward, as a row and as a column', () => {
    const state: RunState = {
      ...training(),
      phase: 'completed',
      metrics: {
        epochs: [{ epoch: 1, trainingLoss: 0.5, meanReward: 0.42 }],
        steps: 10,
        finalTrainingLoss: 0.5,
        crossCheck: 'match',
        rewards: { steps: 10, firstMean: 0.1, finalMean: 0.42, bestMean: 0.5 },
      },
    };
    const markdown = currentDetailsMarkdown(request, state);
    expect(rows(markdown)['Mean reward']).toBe('0.4200');
    expect(markdown).toContain('| Epoch | Training loss | Mean reward |\n|---:|---:|---:|\n| 1 | 0.5000 | 0.4200 |');
  });

  it('a skipped run says what it matched, and a schedule record says whether it was kept', () => {
    const state: RunState = {
      ...training(),
      phase: 'skipped',
      job: undefined,
      snapshot: undefined,
      skipCheck: {
        verdict: 'skip',
        reason: 'unchanged since nightly-2026-11-27 (same data, same settings)',
        matched: {
          workflowId: 'nightly-2026-11-27',
          runId: 'r',
          scheduledAt: '2026-11-27T14:00:00.000Z',
          completedAt: '2026-11-27T15:00:00.000Z',
          datasetFingerprint: 'f',
          jobArn: JOB_ARN,
        },
      },
      scheduleRecord: { outcome: 'newer-kept', message: 'a run scheduled later is recorded' },
    };
    const r = rows(currentDetailsMarkdown(request, state));
    expect(r.Skipped).toBe('unchanged since nightly-2026-11-27 (same data, same settings)');
    expect(r['Skip if unchanged']).toBeUndefined();
    expect(r['Bedrock job']).toBeUndefined();
    expect(r['Polls recorded']).toBeUndefined();
    expect(r['Schedule record']).toBe('not needed: a run scheduled later is recorded');
  });
});

describe('a run that ended otherwise', () => {
  it('says whether its clean-up needs attention, why metrics are missing, and how the job failed', () => {
    const verdicts = (
      [
        ['no-job', 'nothing to stop'],
        ['already-ended', 'nothing to stop'],
        ['stopped', 'done'],
        ['stop-unconfirmed', '**needs attention**'],
        ['stop-refused', '**needs attention**'],
        ['stop-failed', '**needs attention**'],
      ] as const
    ).map(([outcome]) => {
      const state: RunState = { ...training(), phase: 'cancelled', cleanup: { outcome, message: 'what happened' } };
      return [outcome, rows(currentDetailsMarkdown(request, state))['Clean-up']];
    });
    expect(Object.fromEntries(verdicts)).toEqual({
      'no-job': 'nothing to stop: what happened',
      'already-ended': 'nothing to stop: what happened',
      stopped: 'done: what happened',
      'stop-unconfirmed': '**needs attention**: what happened',
      'stop-refused': '**needs attention**: what happened',
      'stop-failed': '**needs attention**: what happened',
    });

    const failed: RunState = {
      ...training(),
      phase: 'failed',
      stopReason: 'not today',
      snapshot: { status: 'Failed', failureMessage: 'Training failed' },
      metricsError: 'no metrics file',
      scheduleRecord: { outcome: 'failed', message: 'the schedule could not be updated' },
    };
    const r = rows(currentDetailsMarkdown(request, failed));
    expect(r).toMatchObject({
      'Job status': 'Failed',
      Failure: 'Training failed',
      'Stop reason': 'not today',
      Metrics: 'not collected: no metrics file',
      'Schedule record': '**needs attention**: the schedule could not be updated',
    });
    expect(r.Phases).toBeUndefined();
  });

  it('keeps a message with pipes and line breaks inside its cell', () => {
    const state: RunState = {
      ...training(),
      phase: 'failed',
      snapshot: { status: 'Failed', failureMessage: 'record 3 | field "a"\n   is missing\nfix it' },
    };
    const markdown = currentDetailsMarkdown(request, state);
    expect(markdown).toContain('| Failure | record 3 \\| field "a" is missing fix it |');
    expect(markdown.split('\n').filter((line) => line.startsWith('| Failure'))).toHaveLength(1);
  });
});

it('lists the resolved templates, each value in code, pipes escaped', () => {
  const state: RunState = {
    ...training(),
    resolvedTemplates: [
      {
        path: 'trainingDataConfig.s3Uri',
        template: 's3://data/{{scheduledTime:yyyy/MM/dd}}/train.jsonl',
        value: 's3://data/2026/11/28/train.jsonl',
      },
      { path: 'customModelName', template: 'bot-{{scheduledTime:yyyyMMdd}}|x', value: 'bot-20261128|x' },
    ],
  };
  const markdown = currentDetailsMarkdown(request, state);
  expect(
    markdown.endsWith(
      [
        '#### Resolved templates',
        '',
        '| Member | Template | Value |',
        '|---|---|---|',
        '| trainingDataConfig.s3Uri | `s3://data/{{scheduledTime:yyyy/MM/dd}}/train.jsonl` | `s3://data/2026/11/28/train.jsonl` |',
        '| customModelName | `bot-{{scheduledTime:yyyyMMdd}}\\|x` | `bot-20261128\\|x` |',
      ].join('\n'),
    ),
  ).toBe(true);
});
