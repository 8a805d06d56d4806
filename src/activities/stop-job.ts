// Stopping the remote job: on cancel, on the `stop` update and at the deadline. Stopping a job that
// has already ended is not an error here: the run then reports how it ended.
import { StopModelCustomizationJobCommand, type BedrockClient } from '@aws-sdk/client-bedrock';
import { awsErrorName } from '../aws/errors';
import { failFastOnRejection } from './bedrock-errors';

export type StopJobResult = 'stop-requested' | 'already-ended';

export function stopJobActivities(deps: { bedrock: BedrockClient }) {
  return {
    async stopJob(jobArn: string): Promise<StopJobResult> {
      try {
        await deps.bedrock.send(new StopModelCustomizationJobCommand({ jobIdentifier: jobArn }));
        return 'stop-requested';
      } catch (err) {
        // Bedrock answers Conflict (or Validation) for a job that is no longer InProgress.
        const name = awsErrorName(err);
        if (name === 'ConflictException' || name === 'ValidationException') return 'already-ended';
        failFastOnRejection(err, 'StopModelCustomizationJob');
      }
    },
  };
}
