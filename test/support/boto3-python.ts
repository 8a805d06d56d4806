// A python3 with boto3 for the interoperability tests: the one given (FINETUNE_INTEROP_PYTHON), the
// machine's when it has boto3, else a virtual environment the tests make once in the per-user tool cache
// (beside the Go tools), with boto3 from PyPI, and find again on every later run and clone.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toolsDir } from '../../src/stack/tools';

const execFileAsync = promisify(execFile);

/** The botocore whose service models the scripts were written against (model-lifecycle.md 0). */
export const BOTO3_VERSION = '1.43.11';

const hasBoto3 = (python: string) => spawnSync(python, ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;

export async function boto3Python(): Promise<string> {
  const explicit = process.env.FINETUNE_INTEROP_PYTHON;
  if (explicit) return explicit;
  if (hasBoto3('python3')) return 'python3';
  const dir = join(toolsDir(), `boto3-${BOTO3_VERSION}`);
  const python = join(dir, 'bin', 'python');
  if (existsSync(python)) return python;
  // Made in a scratch folder and renamed, so an interrupted install never looks finished.
  const scratch = `${dir}.partial-${process.pid}`;
  process.stderr.write(`[tools] installing boto3 ${BOTO3_VERSION} into ${dir} (once)\n`);
  try {
    await execFileAsync('python3', ['-m', 'venv', scratch]);
    await execFileAsync(join(scratch, 'bin', 'pip'), ['install', '--quiet', `boto3==${BOTO3_VERSION}`], {
      maxBuffer: 16 * 1024 * 1024,
    });
    renameSync(scratch, dir);
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    if (existsSync(python)) return python; // another test process made it at the same time
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error('The interoperability tests need python3 (with venv) to install boto3.', { cause: err });
    throw new Error(`installing boto3 failed:\n${e.stderr ?? e.message}`, { cause: err });
  }
  return python;
}
