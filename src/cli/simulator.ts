// `finetune simulator`: the local Bedrock control plane in the foreground until SIGINT/SIGTERM.
// Every flag has an environment variable; AWS_ENDPOINT_URL_S3 is the ecosystem's own name for the S3
// endpoint, the rest are FINETUNE_SIMULATOR_*.
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_SIMULATOR_OPTIONS, MAX_EVENT_DELAY_SECONDS, type SimulatorOptions } from '../simulator/options';
import { MAX_REPLY_DELAY_MS } from '../simulator/reserved-tags';

function numberIn(min: number, max: number, integer: boolean) {
  return (raw: string): number => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
      throw new InvalidArgumentError(`expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
    return n;
  };
}

const d = DEFAULT_SIMULATOR_OPTIONS;

type SimulatorFlags = Omit<SimulatorOptions, 's3Credentials'> & { s3AccessKeyId?: string; s3SecretAccessKey?: string };

export function registerSimulatorCommand(program: Command): void {
  program
    .command('simulator')
    .description(
      'run the local Bedrock simulator (customization, deployments, Provisioned Throughput, evaluation, runtime) until Ctrl-C',
    )
    .addOption(new Option('--host <host>', 'address to listen on').env('FINETUNE_SIMULATOR_HOST').default(d.host))
    .addOption(
      new Option('--port <port>', 'port to listen on')
        .env('FINETUNE_SIMULATOR_PORT')
        .default(d.port)
        .argParser(numberIn(0, 65535, true)),
    )
    .addOption(new Option('--region <region>', 'region in ARNs').env('FINETUNE_SIMULATOR_REGION').default(d.region))
    .addOption(
      new Option('--account-id <id>', 'account in ARNs')
        .env('FINETUNE_SIMULATOR_ACCOUNT_ID')
        .default(d.accountId)
        .argParser((v) => {
          if (!/^\d{12}$/.test(v)) throw new InvalidArgumentError('expected 12 digits');
          return v;
        }),
    )
    .addOption(
      new Option('--s3-endpoint <url>', 'S3 endpoint for training data and outputs').env('AWS_ENDPOINT_URL_S3'),
    )
    .addOption(
      new Option('--s3-access-key-id <id>', 'access key for that S3 (default: AWS credentials from the environment)'),
    )
    .addOption(
      new Option(
        '--s3-secret-access-key <secret>',
        'secret key for that S3 (prefer AWS_SECRET_ACCESS_KEY: flags show in the process list)',
      ),
    )
    .addOption(
      new Option('--s3-retry-seconds <n>', 'how long an S3 that does not answer is retried before the job fails')
        .env('FINETUNE_SIMULATOR_S3_RETRY_SECONDS')
        .default(d.s3RetrySeconds)
        .argParser(numberIn(0, 86_400, false)),
    )
    .addOption(
      new Option('--time-scale <n>', 'simulated seconds per real second')
        .env('FINETUNE_SIMULATOR_TIME_SCALE')
        .default(d.timeScale)
        .argParser(numberIn(1e-6, 1e9, false)),
    )
    .addOption(
      new Option('--state-file <file>', 'where jobs and models persist (in memory when absent)').env(
        'FINETUNE_SIMULATOR_STATE_FILE',
      ),
    )
    .addOption(
      new Option('--throttle-rate <0-1>', 'share of requests answered 429 ThrottlingException')
        .env('FINETUNE_SIMULATOR_THROTTLE_RATE')
        .default(d.throttleRate)
        .argParser(numberIn(0, 1, false)),
    )
    .addOption(
      new Option('--error-rate <0-1>', 'share of requests answered 500 InternalServerException')
        .env('FINETUNE_SIMULATOR_ERROR_RATE')
        .default(d.errorRate)
        .argParser(numberIn(0, 1, false)),
    )
    .addOption(
      new Option('--latency-ms <ms>', 'delay added to every response')
        .env('FINETUNE_SIMULATOR_LATENCY_MS')
        .default(d.latencyMs)
        .argParser(numberIn(0, 600_000, true)),
    )
    .addOption(
      new Option(
        '--lost-reply-rate <0-1>',
        'share of create, update, delete and stop answers lost after the operation committed',
      )
        .env('FINETUNE_SIMULATOR_LOST_REPLY_RATE')
        .default(d.lostReplyRate)
        .argParser(numberIn(0, 1, false)),
    )
    .addOption(
      new Option(
        '--reply-delay-ms <ms>',
        'create, update, delete and stop answers held this long after the operation committed',
      )
        .env('FINETUNE_SIMULATOR_REPLY_DELAY_MS')
        .default(d.replyDelayMs)
        .argParser(numberIn(0, MAX_REPLY_DELAY_MS, true)),
    )
    .addOption(
      new Option('--max-concurrent-jobs <n>', 'running jobs allowed before ServiceQuotaExceededException')
        .env('FINETUNE_SIMULATOR_MAX_CONCURRENT_JOBS')
        .default(d.maxConcurrentJobs)
        .argParser(numberIn(1, 100_000, true)),
    )
    .addOption(
      new Option('--max-deployments <n>', 'custom model deployments allowed before ServiceQuotaExceededException')
        .env('FINETUNE_SIMULATOR_MAX_DEPLOYMENTS')
        .default(d.maxDeployments)
        .argParser(numberIn(0, 100_000, true)),
    )
    .addOption(
      new Option('--max-deployments-in-progress <n>', 'custom model deployments Creating at once')
        .env('FINETUNE_SIMULATOR_MAX_DEPLOYMENTS_IN_PROGRESS')
        .default(d.maxDeploymentsInProgress)
        .argParser(numberIn(0, 100_000, true)),
    )
    .addOption(
      new Option('--max-no-commitment-model-units <n>', 'model units shared by no-commitment Provisioned Throughputs')
        .env('FINETUNE_SIMULATOR_MAX_NO_COMMITMENT_MODEL_UNITS')
        .default(d.maxNoCommitmentModelUnits)
        .argParser(numberIn(0, 100_000, true)),
    )
    .addOption(
      new Option('--max-commitment-model-units <n>', 'model units across committed Provisioned Throughputs')
        .env('FINETUNE_SIMULATOR_MAX_COMMITMENT_MODEL_UNITS')
        .default(d.maxCommitmentModelUnits)
        .argParser(numberIn(0, 100_000, true)),
    )
    .addOption(
      new Option(
        '--events-queue-url <url>',
        'send each job state change to this SQS queue, as EventBridge delivers Bedrock events',
      )
        .env('FINETUNE_SIMULATOR_EVENTS_QUEUE_URL')
        .argParser((v) => {
          try {
            const url = new URL(v);
            if (url.protocol === 'http:' || url.protocol === 'https:') return v;
          } catch {
            // refused below
          }
          throw new InvalidArgumentError(
            'expected an SQS queue URL, like http://127.0.0.1:4100/123456789012/finetune-job-events',
          );
        }),
    )
    .addOption(
      new Option('--events-drop-rate <0-1>', 'share of job events never sent')
        .env('FINETUNE_SIMULATOR_EVENTS_DROP_RATE')
        .default(d.eventsDropRate)
        .argParser(numberIn(0, 1, false)),
    )
    .addOption(
      new Option('--events-duplicate-rate <0-1>', 'share of job events sent twice')
        .env('FINETUNE_SIMULATOR_EVENTS_DUPLICATE_RATE')
        .default(d.eventsDuplicateRate)
        .argParser(numberIn(0, 1, false)),
    )
    .addOption(
      new Option(
        '--events-max-delay-seconds <n>',
        'each job event is held 0..n seconds in the queue (late, out of order)',
      )
        .env('FINETUNE_SIMULATOR_EVENTS_MAX_DELAY_SECONDS')
        .default(d.eventsMaxDelaySeconds)
        .argParser(numberIn(0, MAX_EVENT_DELAY_SECONDS, true)),
    )
    .action(async (flags: SimulatorFlags) => {
      const { s3AccessKeyId, s3SecretAccessKey, ...options } = flags;
      if ((s3AccessKeyId === undefined) !== (s3SecretAccessKey === undefined)) {
        program.error(
          'finetune simulator: --s3-access-key-id and --s3-secret-access-key go together: give both or neither.',
          {
            exitCode: 2,
          },
        );
      }
      const { startSimulatorServer } = await import('../simulator/server');
      const simulator = await startSimulatorServer({
        ...options,
        s3Endpoint: options.s3Endpoint?.replace(/\/+$/, '') || undefined,
        ...(s3AccessKeyId && s3SecretAccessKey
          ? { s3Credentials: { accessKeyId: s3AccessKeyId, secretAccessKey: s3SecretAccessKey } }
          : {}),
      });
      console.log(`bedrock simulator listening on ${simulator.url}`);
      await new Promise<void>((resolve) => {
        const onSignal = () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      await simulator.close();
    });
}
