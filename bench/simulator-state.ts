// The simulator's state write path: for each N, N jobs created and each changed twice (a data check
// and a completion, as a run's job is), through the Store on a real file with its journal. Prints the
// wall and CPU time per change: it must not grow with N (the state file used to be rewritten whole on
// every change, so it grew with N).
//
//   npm run bench:simulator-state -- 1000,5000,20000
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../src/simulator/state';
import type { JobRecord } from '../src/simulator/types';

function job(i: number): JobRecord {
  const name = `orchestrate-bench-${i}`;
  return {
    jobArn: `arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/j${i}`,
    jobId: `j${i}`,
    jobName: `${name}-abcdef123456`,
    outputModelName: name,
    roleArn: 'arn:aws:iam::123456789012:role/BedrockFineTuning',
    clientRequestToken: `${'0'.repeat(56)}${String(i).padStart(8, '0')}`,
    requestDigest: 'd'.repeat(64),
    baseModelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k',
    foundationModelId: 'amazon.nova-micro-v1:0:128k',
    customizationType: 'FINE_TUNING',
    hyperParameters: { epochCount: '2' },
    trainingDataConfig: { s3Uri: `s3://finetune-datasets/bench/${name}.jsonl` },
    validationDataConfig: { validators: [] },
    outputDataConfig: { s3Uri: `s3://finetune-outputs/bench/${name}/` },
    customModelTags: [],
    creationTimeMs: Date.now(),
    timeScale: 10,
    epochs: 2,
    batchSize: 1,
  };
}

function measure(n: number): { wallS: number; cpuS: number } {
  const dir = mkdtempSync(join(tmpdir(), 'finetune-state-bench-'));
  try {
    const store = Store.open(join(dir, 'state.json'));
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) store.addJob(job(i), [{ key: 'finetune:workflow-id', value: `run-${i}` }]);
    for (let i = 0; i < n; i++) {
      const j = store.jobByArn(job(i).jobArn)!;
      j.dataCheck = { ok: true, trainingRecords: 20, validationRecords: 0 };
      store.updateJob(j);
    }
    for (let i = 0; i < n; i++) {
      const j = store.jobByArn(job(i).jobArn)!;
      j.completion = { ok: false, failureMessage: 'bench' };
      store.completeJob(j, undefined, []);
    }
    const used = process.cpuUsage(cpu);
    store.close();
    return { wallS: Number(process.hrtime.bigint() - started) / 1e9, cpuS: (used.user + used.system) / 1e6 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sizes = (process.argv[2] ?? '1000,5000,20000').split(',').map(Number);
console.log(`Node ${process.version}; ${new Date().toISOString()}`);
console.log('| jobs | changes | wall s | CPU s | wall per change, µs |');
console.log('|---|---|---|---|---|');
for (const n of sizes) {
  const m = measure(n);
  console.log(
    `| ${n} | ${3 * n} | ${m.wallS.toFixed(2)} | ${m.cpuS.toFixed(2)} | ${((m.wallS / (3 * n)) * 1e6).toFixed(0)} |`,
  );
}
