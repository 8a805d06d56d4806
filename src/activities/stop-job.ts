// Stopping the remote job: on cancel, on the `stop` update and at the deadline. Stopping a job that
// has already ended is not an error here: the run then reports how it ended. A stop Bedrock refuses
// while the job still runs is reported as refused, so the run sends it again instead of waiting for an
// end that will not come.
import {
  GetModelCustomizationJobCommand,
  StopModelCustomizationJobCommand,
  type BedrockClient,
} from '@aws-sdk/client-bedrock';
import { awsErrorMessage, awsErrorName } from '../aws/errors';
import type { JobStatus } from '../core/bedrock-patterns';
import { failFastOnRejection } from './bedrock-errors';

/**
 * How Bedrock answered the stop. Runs whose workflow code predates `refused` read nothing of it, and a
 * worker from before it answers with the bare outcome string: the workflow accepts both shapes.
 */
export type StopJobResult =
  | { outcome: 'stop-requested' }
  | { outcome: 'already-ended'; jobStatus?: JobStatus }
  | { outcome: 'refused'; jobStatus: JobStatus; message: string };

export function stopJobActivities(deps: { bedrock: BedrockClient }) {
  return {
    async stopJob(jobArn: string): Promise<StopJobResult> {
      try {
        await deps.bedrock.send(new StopModelCustomizationJobCommand({ jobIdentifier: jobArn }));
        return { outcome: 'stop-requested' };
      } catch (err) {
        const name = awsErrorName(err);
        if (name !== 'ConflictException' && name !== 'ValidationException') {
          failFastOnRejection(err, 'StopModelCustomizationJob');
        }
        // Conflict (or Validation) is Bedrock's answer for a job that is no longer InProgress, but also
        // for one it will not stop now: the job's own status tells which.
        const job = await deps.bedrock
          .send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn }))
          .catch((getErr: unknown) => failFastOnRejection(getErr, 'GetModelCustomizationJob'));
        const jobStatus = job.status as JobStatus | undefined;
        if (jobStatus === 'InProgress') {
          return { outcome: 'refused', jobStatus, message: `${name}: ${awsErrorMessage(err)}` };
        }
        return { outcome: 'already-ended', jobStatus };
      }
    },
  };
}
