import { rmSync } from 'node:fs';
import type { RunningStack } from '../../src/stack/local-stack';

export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as { __FINETUNE_STACK__?: RunningStack }).__FINETUNE_STACK__;
  await stack?.stop();
  const dataDir = process.env.FINETUNE_TEST_DATA_DIR;
  if (dataDir && !process.env.FINETUNE_KEEP_TEST_DATA) rmSync(dataDir, { recursive: true, force: true });
}
