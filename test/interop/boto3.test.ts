// boto3 against the simulator: the Python scripts beside this file drive the simulator with another
// SDK (botocore's own service models and parser) and exit 0 only when every call did what it should.
// They start their own simulators from dist/ (npm run build) and use the run's S3 server. boto3 comes from
// the machine's python3, or is installed once into the tool cache (test/support/boto3-python.ts): never skipped.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { boto3Python } from '../support/boto3-python';

jest.setTimeout(300_000);

let python: string;
beforeAll(async () => {
  python = await boto3Python();
}, 300_000);

function runScript(name: string): { status: number | null; output: string } {
  const out = spawnSync(python, [join(__dirname, name)], {
    env: process.env,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: out.status, output: `${out.stdout}${out.stderr}` };
}

test('boto3 drives every operation after training unchanged: deployments, Provisioned Throughput, evaluation jobs, Converse, InvokeModel', () => {
  const { status, output } = runScript('boto3_after_training.py');
  const summary = /^(\d+)\/(\d+) calls ok$/m.exec(output);
  if (status !== 0 || !summary) throw new Error(`boto3_after_training.py exited ${status}:\n${output.slice(-4000)}`);
  process.stderr.write(`boto3_after_training.py: ${summary[0]}\n`);
  expect(summary[1]).toBe(summary[2]);
  expect(Number(summary[2])).toBeGreaterThanOrEqual(30);
});

test('boto3 drives the model-customization lifecycle unchanged', () => {
  const { status, output } = runScript('boto3_lifecycle.py');
  if (status !== 0) throw new Error(`boto3_lifecycle.py exited ${status}:\n${output.slice(-4000)}`);
  expect(output).toMatch(/ok {2}/);
});
