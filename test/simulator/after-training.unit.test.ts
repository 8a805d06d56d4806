// The pure parts after training: simulated answers and their marker, deterministic scores, and the
// deployment and Provisioned Throughput statuses as functions of the record and the clock.
import { answerMarker, promptScore, simulatedAnswer } from '../../src/simulator/answers';
import { evaluateDeployment, evaluateThroughput } from '../../src/simulator/resource-lifecycle';
import type { DeploymentRecord, ThroughputRecord } from '../../src/simulator/resource-records';

const A = 'arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/aaaaaaaaaaaa';
const B = 'arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/bbbbbbbbbbbb';

test('a custom model answers the same to the same prompt, ending with its marker; a foundation model has none', () => {
  const model = { label: 'support-v2', customModelId: 'aaaaaaaaaaaa' };
  const text = simulatedAnswer(model, 'How do I reset my password?');
  expect(simulatedAnswer(model, 'How do I reset my password?')).toBe(text);
  expect(simulatedAnswer(model, 'Where is my invoice?')).not.toBe(text);
  expect(answerMarker(text)).toBe('aaaaaaaaaaaa');
  expect(answerMarker(simulatedAnswer({ label: 'Nova Pro' }, 'hi'))).toBeUndefined();
  expect(answerMarker('my own answer')).toBeUndefined();
});

test('scores: the same inputs give the same score; each within 0.05 of the centre, 4 decimals, clamped to [0, 1]', () => {
  const scores = Array.from({ length: 200 }, (_, i) =>
    promptScore(0.8, 'aaaaaaaaaaaa', `prompt ${i}`, 'Builtin.Helpfulness'),
  );
  expect(scores).toEqual(
    Array.from({ length: 200 }, (_, i) => promptScore(0.8, 'aaaaaaaaaaaa', `prompt ${i}`, 'Builtin.Helpfulness')),
  );
  for (const s of scores) {
    expect(Math.abs(s - 0.8)).toBeLessThanOrEqual(0.05 + 1e-9);
    expect(Math.round(s * 10_000) / 10_000).toBe(s);
  }
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  expect(Math.abs(mean - 0.8)).toBeLessThan(0.01);
  expect(new Set(scores).size).toBeGreaterThan(100);
  expect(promptScore(0.8, 'x', 'p', 'Builtin.Correctness')).not.toBe(promptScore(0.8, 'x', 'p', 'Builtin.Helpfulness'));
  for (let i = 0; i < 50; i++) {
    expect(promptScore(1, 'x', `p${i}`, 'm')).toBeLessThanOrEqual(1);
    expect(promptScore(0, 'x', `p${i}`, 'm')).toBeGreaterThanOrEqual(0);
  }
});

test('a deployment: Creating for 450 simulated s, then Active; during an update still Active on the old model, the new one from UpdateCompleted', () => {
  const d: DeploymentRecord = {
    arn: 'arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/dddddddddddd',
    id: 'dddddddddddd',
    requestDigest: 'd',
    creationTimeMs: 0,
    timeScale: 1,
    name: 'dep',
    modelArn: A,
    updates: [{ modelArn: B, requestedAtMs: 1_000_000 }],
  };
  expect(evaluateDeployment(d, 449_999).status).toBe('Creating');
  expect(evaluateDeployment(d, 450_000)).toEqual({ status: 'Active', modelArn: A, lastUpdatedAtMs: 450_000 });
  expect(evaluateDeployment(d, 1_000_001)).toEqual({
    status: 'Active',
    modelArn: A,
    updateDetails: { modelArn: B, updateStatus: 'Updating' },
    lastUpdatedAtMs: 1_000_000,
  });
  expect(evaluateDeployment(d, 1_300_000)).toEqual({
    status: 'Active',
    modelArn: B,
    updateDetails: { modelArn: B, updateStatus: 'UpdateCompleted' },
    lastUpdatedAtMs: 1_300_000,
  });
  d.updates[0].failureMessage = 'forced';
  expect(evaluateDeployment(d, 1_300_000)).toMatchObject({
    modelArn: A,
    updateDetails: { updateStatus: 'UpdateFailed' },
    failureMessage: 'forced',
  });
});

test('a Provisioned Throughput: Creating for 600 s, Updating serves the old model with desiredModelArn the new, then InService on the new', () => {
  const t: ThroughputRecord = {
    arn: 'arn:aws:bedrock:us-east-1:123456789012:provisioned-model/pppppppppppp',
    id: 'pppppppppppp',
    requestDigest: 'd',
    creationTimeMs: 0,
    timeScale: 10,
    name: 'pt',
    modelUnits: 1,
    modelArn: A,
    foundationModelId: 'amazon.nova-micro-v1:0:128k',
    updates: [{ modelArn: B, requestedAtMs: 100_000 }],
  };
  expect(evaluateThroughput(t, 59_999).status).toBe('Creating');
  expect(evaluateThroughput(t, 60_000)).toMatchObject({ status: 'InService', modelArn: A, desiredModelArn: A });
  expect(evaluateThroughput(t, 100_000)).toMatchObject({ status: 'Updating', modelArn: A, desiredModelArn: B });
  expect(evaluateThroughput(t, 130_000)).toMatchObject({ status: 'InService', modelArn: B, desiredModelArn: B });
});
