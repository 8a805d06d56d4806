// The job events' queue in the local stack: GoAws, an SQS server speaking the protocol the AWS SDKs send,
// holding the queue the simulator publishes Bedrock's state changes to (as an EventBridge rule does in
// AWS) and the worker consumes, with a dead-letter queue as docs/OPERATIONS.md's template makes one.
// GoAws keeps its queues in memory: a restarted stack starts with empty queues (runs poll what they missed).
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSqsClient } from '../aws/clients';
import { LOCAL_S3_CREDENTIALS } from '../aws/local-credentials';
import { startChild, type ManagedChild, type OnSpawn } from './child-process';

/** The queue's name in the local stack (and the template's default in docs/OPERATIONS.md). */
export const EVENTS_QUEUE_NAME = 'finetune-job-events';
/** Receives before a message that keeps failing goes to the dead-letter queue (as the template says). */
export const EVENTS_MAX_RECEIVE_COUNT = 5;

export interface EventsQueueOptions {
  binary: string;
  host: string;
  port: number;
  /** The account in queue URLs and ARNs: the simulator's, so the queue looks like one in its account. */
  accountId: string;
  region: string;
  dataDir: string;
  logFile: string;
  onSpawn?: OnSpawn;
}

/** GoAws's configuration: where it says its queues are (it listens on every interface, on `port`). */
function goawsConfig(o: EventsQueueOptions): string {
  // No Region: GoAws would put it in front of the host in queue URLs (us-east-1.127.0.0.1).
  return [
    'Local:',
    `  Host: ${o.host}`,
    `  Port: ${o.port}`,
    `  AccountId: "${o.accountId}"`,
    '  LogToFile: false',
    '  QueueAttributeDefaults:',
    '    VisibilityTimeout: 30',
    '    ReceiveMessageWaitTimeSeconds: 0',
    '',
  ].join('\n');
}

/** Starts GoAws, creates the queue and its dead-letter queue, and returns the queue's URL. */
export async function startEventsQueue(
  options: EventsQueueOptions,
): Promise<{ child: ManagedChild; queueUrl: string }> {
  const configFile = join(options.dataDir, 'goaws.yaml');
  writeFileSync(configFile, goawsConfig(options));
  const base = `http://${options.host}:${options.port}/${options.accountId}`;
  // GoAws checks no signature; the stack's fixed pair only satisfies the SDK.
  const sqs = createSqsClient(`${base}/${EVENTS_QUEUE_NAME}`, options.region, { credentials: LOCAL_S3_CREDENTIALS });
  let child: ManagedChild | undefined;
  try {
    child = await startChild({
      name: 'SQS server (goaws)',
      command: options.binary,
      args: ['-config', configFile, '-loglevel', 'warn'],
      logFile: options.logFile,
      onSpawn: options.onSpawn,
      isReady: async () => (await fetch(`http://${options.host}:${options.port}/health`)).ok,
    });
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${EVENTS_QUEUE_NAME}-dlq` }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: EVENTS_QUEUE_NAME,
        Attributes: {
          VisibilityTimeout: '30',
          RedrivePolicy: JSON.stringify({
            maxReceiveCount: EVENTS_MAX_RECEIVE_COUNT,
            deadLetterTargetArn: Attributes?.QueueArn,
          }),
        },
      }),
    );
    return { child, queueUrl: queue.QueueUrl! };
  } catch (err) {
    await child?.stop();
    throw err;
  } finally {
    sqs.destroy();
  }
}
