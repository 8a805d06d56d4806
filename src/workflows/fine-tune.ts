// The fineTune workflow: one customization request carried to a custom model and its metrics, exactly
// once. The run's state and steps live in FineTuneRun (fine-tune-run.ts); this file wires the
// messages and reads as the flow. Every way out of the steps passes through `ownTheJob`, which leaves
// no Bedrock job running unwatched.
import { setHandler } from '@temporalio/workflow';
import {
  pokeSignal,
  progressQuery,
  setPollingUpdate,
  stopUpdate,
  type FineTuneResult,
} from '../core/fine-tune-contract';
import type { FineTuneRequest } from '../core/request';
import { FineTuneRun } from './fine-tune-run';
import type { RunState } from './run-state';

export type { RunState };

export async function fineTune(request: FineTuneRequest, carried?: RunState): Promise<FineTuneResult> {
  const run = new FineTuneRun(request, carried);

  setHandler(progressQuery, () => run.progress());
  setHandler(pokeSignal, () => run.poke());
  setHandler(stopUpdate, (stop) => run.stop(stop), { validator: (_stop) => run.validateStop() });
  setHandler(setPollingUpdate, (polling) => run.setPolling(polling), {
    validator: (polling) => run.validatePolling(polling),
  });
  run.announce();

  return run.ownTheJob(async () => {
    const preflight = await run.preflight(); //          1. the request is one Bedrock would accept
    const dataset = await run.prepareData(preflight); // 2. every record valid; prepared files, fingerprint
    const skipped = run.skipIfUnchanged(dataset); //     2b. the schedule trained on this already: no job
    if (skipped) return skipped;
    await run.createJob(dataset); //                     3. exactly one job: derived token and name
    await run.waitForJob(); //                           4. until it ends; stop, deadline, poke, polling
    return run.finish(); //                              5. metrics, report, chart; the result
  });
}
