// Ports and flags for a `finetune dev` / `finetune demo` process a test starts on its own.
import { freePort } from '../../src/stack/ports';

export interface StackPorts {
  temporal: number;
  ui: number;
  s3: number;
  simulator: number;
  events: number;
}

export async function stackPorts(): Promise<StackPorts> {
  return {
    temporal: await freePort(),
    ui: await freePort(),
    s3: await freePort(),
    simulator: await freePort(),
    events: await freePort(),
  };
}

/** The CLI flags that put a stack on these ports and data folder. */
export function stackFlags(ports: StackPorts, dataDir: string): string[] {
  return [
    '--temporal-port',
    `${ports.temporal}`,
    '--ui-port',
    `${ports.ui}`,
    '--s3-port',
    `${ports.s3}`,
    '--simulator-port',
    `${ports.simulator}`,
    '--events-port',
    `${ports.events}`,
    '--data-dir',
    dataDir,
  ];
}
