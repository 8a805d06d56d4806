// The fineTune workflow: one customization request carried to a custom model and its metrics, exactly
// once. The run's state and messages live in Run (run.ts), each step in a file of its own, and the way
// every run ends, with no Bedrock job left running unwatched, in job-release.ts. This file wires the
// messages and reads as the flow.
import { setHandler } from '@temporalio/workflow';
import { slotGrantedSignal, slotPlaceSignal } from '../core/job-slots-contract';
import {
  pokeSignal,
  progressQuery,
  setPollingUpdate,
  stopUpdate,
  type FineTuneResult,
} from '../core/fine-tune-contract';
import type { FineTuneRequest } from '../core/request';
import { checkRequest, prepareData, skipIfUnchanged } from './before-the-job';
import { createJob } from './job-creation';
import { giveBackSlot, ownTheJob } from './job-release';
import { finish } from './job-results';
import { waitForJob } from './job-wait';
import { Run } from './run';
import type { RunState } from './run-state';

export type { RunState };

export async function fineTune(request: FineTuneRequest, carried?: RunState): Promise<FineTuneResult> {
  const run = new Run(request, carried);

  setHandler(progressQuery, () => run.progress());
  setHandler(pokeSignal, () => run.poke());
  setHandler(slotGrantedSignal, ({ keeperId }) => run.slotGranted(keeperId));
  setHandler(slotPlaceSignal, ({ ahead }) => run.slotPlace(ahead));
  setHandler(stopUpdate, (stop) => run.stop(stop), { validator: (_stop) => run.validateStop() });
  setHandler(setPollingUpdate, (polling) => run.setPolling(polling), {
    validator: (polling) => run.validatePolling(polling),
  });
  run.announce();

  return ownTheJob(run, async () => {
    const preflight = await checkRequest(run); //            1. the request is one Bedrock would accept
    const dataset = await prepareData(run, preflight); //    2. every record valid; prepared files, fingerprint
    const skipped = skipIfUnchanged(run, dataset); //        2b. the schedule trained on this already: no job
    if (skipped) return skipped;
    await createJob(run, dataset); //                        3. exactly one job: derived token and name
    await waitForJob(run); //                                4. until it ends; stop, deadline, poke, polling
    await giveBackSlot(run); //                              the job ended: the next queued run takes its slot
    return finish(run); //                                   5. metrics, report, chart; the result
  });
}
