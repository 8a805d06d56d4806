// After a scheduled run with `skipIfUnchanged` has trained a model: record it as its schedule's last
// trained run, in the memo of the schedule's start action, so every run the schedule starts from now
// on carries it in its own memo and can compare (core/retraining.ts).
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { encodeToPayload } from '@temporalio/common/lib/internal-non-workflow';
import { randomUUID } from 'node:crypto';
import {
  LAST_TRAINED_MEMO_KEY,
  trainedRunRecordOf,
  type ScheduleRecord,
  type TrainedRunRecord,
} from '../core/retraining';

export interface RecordTrainedRunInput {
  scheduleId: string;
  record: TrainedRunRecord;
}

export function recordTrainedRunActivities(deps: { temporal: Client }) {
  return {
    async recordTrainedRun({ scheduleId, record }: RecordTrainedRunInput): Promise<ScheduleRecord> {
      const { temporal } = deps;
      let described;
      try {
        described = await temporal.schedule.getHandle(scheduleId).describe();
      } catch (err) {
        if (err instanceof ScheduleNotFoundError)
          return { outcome: 'no-schedule', message: `schedule ${scheduleId} no longer exists: nothing recorded` };
        throw err;
      }
      const kept = trainedRunRecordOf(described.action.memo?.[LAST_TRAINED_MEMO_KEY]);
      if (kept && Date.parse(kept.scheduledAt) > Date.parse(record.scheduledAt))
        return {
          outcome: 'newer-kept',
          message: `schedule ${scheduleId} keeps ${kept.workflowId}, scheduled after this run, as its last trained run`,
        };
      // The schedule as the server holds it, with one memo entry replaced. Not the SDK's update(): it
      // rebuilds the whole schedule and sends no conflict token, so it could undo an operator's update
      // made in between; with the token such a race fails here and the activity's retry reads again.
      const schedule = described.raw.schedule!;
      const startWorkflow = schedule.action!.startWorkflow!;
      const memo = await encodeToPayload(temporal.options.loadedDataConverter, record);
      await temporal.workflowService.updateSchedule({
        namespace: temporal.options.namespace,
        scheduleId,
        schedule: {
          ...schedule,
          action: {
            startWorkflow: {
              ...startWorkflow,
              memo: { fields: { ...startWorkflow.memo?.fields, [LAST_TRAINED_MEMO_KEY]: memo } },
            },
          },
        },
        conflictToken: described.raw.conflictToken,
        identity: temporal.options.identity,
        requestId: randomUUID(),
      });
      return { outcome: 'recorded', message: `recorded as schedule ${scheduleId}'s last trained run` };
    },
  };
}
