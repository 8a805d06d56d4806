// boto3 against the simulator: the Python scripts beside this file drive the simulator with another
// SDK (botocore's own service models and parser) and exit 0 only when every call did what it should.
// They start their own simulators from dist/ (npm run build) and use the run's S3 server. They need
// python3 with boto3; where it is missing the tests are skipped, and their names say so.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

jest.setTimeout(300_000);

const python = process.env.FINETUNE_INTEROP_PYTHON ?? 'python3';
const hasBoto3 = spawnSync(python, ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;
const maybe = hasBoto3 ? test : test.skip;
const suffix = hasBoto3 ? '' : ` (skipped: ${python} has no boto3)`;

function runScript(name: string): { status: number | null; output: string } {
  const out = spawnSync(python, [join(__dirname, name)], {
    env: process.env,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: out.status, output: `${out.stdout}${out.stderr}` };
}

maybe(
  `boto3 drives every operation after training unchanged: deployments, Provisioned Throughput, evaluation jobs, Converse, InvokeModel${suffix}`,
  () => {
    const { status, output } = runScript('boto3_after_training.py');
    const summary = /^(\d+)\/(\d+) calls ok$/m.exec(output);
    if (status !== 0 || !summary) throw new Error(`boto3_after_training.py exited ${status}:\n${output.slice(-4000)}`);
    process.stderr.write(`boto3_after_training.py: ${summary[0]}\n`);
    expect(summary[1]).toBe(summary[2]);
    expect(Number(summary[2])).toBeGreaterThanOrEqual(30);
  },
);

maybe(`boto3 drives the model-customization lifecycle unchanged${suffix}`, () => {
  const { status, output } = runScript('boto3_lifecycle.py');
  if (status !== 0) throw new Error(`boto3_lifecycle.py exited ${status}:\n${output.slice(-4000)}`);
  expect(output).toMatch(/ok {2}/);
});
