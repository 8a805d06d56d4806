// `finetune dev`: the local stack (and a worker) in the foreground until Ctrl-C, which stops every
// process it started.
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { loadStackSettings, STACK_PORT_SETTINGS, type StackSettings } from '../config';
import { startLocalStack, type RunningStack } from '../stack/local-stack';
import { killRecorded } from '../stack/process-record';

const portOption = (name: keyof typeof STACK_PORT_SETTINGS, description: string) => {
  const s = STACK_PORT_SETTINGS[name];
  return new Option(`${s.flag} <port>`, `${description} (default ${s.fallback}, env ${s.env})`).argParser((v) =>
    Number(v),
  );
};

export interface StackFlags {
  temporalPort?: number;
  uiPort?: number;
  s3Port?: number;
  simulatorPort?: number;
  eventsPort?: number;
  dataDir?: string;
  timeScale?: number;
}

/** The port and folder flags shared by `dev` and `demo`. */
export function addStackOptions(command: Command): Command {
  return command
    .addOption(portOption('temporalPort', 'Temporal gRPC port'))
    .addOption(portOption('temporalUiPort', 'Temporal Web UI port'))
    .addOption(portOption('s3Port', 'S3 server port'))
    .addOption(portOption('simulatorPort', 'Bedrock simulator port'))
    .addOption(portOption('eventsPort', 'SQS server port (job events)'))
    .option('--data-dir <dir>', 'where the stack keeps its data (env FINETUNE_DATA_DIR)', undefined)
    .addOption(
      new Option('--time-scale <n>', 'simulated seconds per real second in the Bedrock simulator')
        .default(60)
        .argParser(Number),
    );
}

export function stackSettingsFromFlags(flags: StackFlags): StackSettings {
  return loadStackSettings({
    temporalPort: flags.temporalPort,
    temporalUiPort: flags.uiPort,
    s3Port: flags.s3Port,
    simulatorPort: flags.simulatorPort,
    eventsPort: flags.eventsPort,
    dataDir: flags.dataDir,
  });
}

export function describeStack(stack: RunningStack, withWorker: boolean): string {
  const e = stack.endpoints;
  return [
    'Local stack is up:',
    `  Temporal UI        ${e.temporalUiUrl ?? '(headless)'}`,
    `  Temporal gRPC      ${e.temporalAddress} (namespace ${e.namespace}, task queue ${e.taskQueue})`,
    `  S3 (versitygw)     ${e.s3Endpoint}  objects under ${e.s3ObjectsDir}`,
    `  Bedrock simulator  ${e.bedrockEndpoint}`,
    `  Job events (SQS)   ${e.eventsQueueUrl ?? 'off'}`,
    `  Worker             ${withWorker ? 'running' : 'not started (--no-worker): run `npm start` in a shell that sourced the env file'}`,
    `  Logs               ${stack.envFile.replace(/stack\.env$/, 'logs/')}`,
    '',
    `In another shell: source ${stack.envFile}  (then any finetune command talks to this stack)`,
  ].join('\n');
}

export interface Interrupts {
  /** Resolves on the first SIGINT/SIGTERM: the caller stops what it started, in order. */
  first: Promise<NodeJS.Signals>;
  dispose(): void;
}

/**
 * Ctrl-C handling for a command that runs a local stack. The first SIGINT/SIGTERM resolves `first`; a
 * second one (an impatient Ctrl-C, a supervisor's second SIGTERM) must not leave the servers running in
 * their own process groups: it kills every server the stack's process record names, then exits 130.
 */
export function handleInterrupts(dataDir: string): Interrupts {
  let signals = 0;
  let resolveFirst!: (signal: NodeJS.Signals) => void;
  const first = new Promise<NodeJS.Signals>((resolve) => (resolveFirst = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) return resolveFirst(signal);
    if (signals === 2) {
      console.log('\nKilling the local stack now...');
      void killRecorded(resolve(dataDir)).finally(() => process.exit(130));
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    first,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export function registerDevCommand(program: Command): void {
  addStackOptions(program.command('dev'))
    .description(
      'run the local stack (Temporal dev server with UI, S3, Bedrock simulator, job events queue) and a worker until Ctrl-C',
    )
    .option('--no-worker', 'start the stack without a worker')
    .action(async (flags: StackFlags & { worker: boolean }) => {
      const settings = stackSettingsFromFlags(flags);
      const interrupts = handleInterrupts(settings.dataDir);
      try {
        const stack = await startLocalStack({
          ...settings,
          worker: flags.worker,
          simulatorTimeScale: flags.timeScale,
          owner: 'finetune dev',
        });
        console.log(describeStack(stack, flags.worker));
        console.log('\nPress Ctrl-C to stop everything.');
        await interrupts.first;
        console.log('\nStopping the local stack... (Ctrl-C again kills it at once)');
        await stack.stop();
        console.log('Stopped.');
      } finally {
        interrupts.dispose();
      }
    });
}
