// What operators see of a run without opening its history: the search attributes it is indexed by and
// the current details (Markdown) the Temporal UI shows. Every change of phase, job or status goes
// through here, so the index and the page never disagree.
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { Phase } from '../core/fine-tune-contract';
import type { FineTuneRequest } from '../core/request';
import {
  BaseModelKey,
  BedrockJobArnKey,
  BedrockJobStatusKey,
  CustomizationTypeKey,
  CustomModelNameKey,
  DatasetFingerprintKey,
  FineTunePhaseKey,
  JobQueueAheadKey,
  TrainingLossKey,
  ValidationLossKey,
} from '../core/search-attributes';
import { currentDetailsMarkdown } from './details';
import type { RunState } from './run-state';

export class RunView {
  constructor(
    private readonly request: FineTuneRequest,
    private readonly state: RunState,
  ) {}

  /**
   * What a run states in its first task: the request's attributes on a first run; on a continued run
   * (when `restate`), everything it is indexed by, whatever the server carried over.
   */
  announce(carried: boolean, restate: boolean): void {
    const r = this.request;
    const s = this.state;
    const fromRequest = [
      { key: BaseModelKey, value: r.baseModelIdentifier },
      { key: CustomModelNameKey, value: r.customModelName },
      { key: CustomizationTypeKey, value: r.customizationType ?? 'FINE_TUNING' },
      { key: FineTunePhaseKey, value: s.phase },
    ];
    if (!carried) upsertSearchAttributes(fromRequest);
    else if (restate) {
      upsertSearchAttributes([
        ...fromRequest,
        ...(s.dataset ? [{ key: DatasetFingerprintKey, value: s.dataset.fingerprint }] : []),
        ...(s.job ? [{ key: BedrockJobArnKey, value: s.job.jobArn }] : []),
        ...(s.snapshot ? [{ key: BedrockJobStatusKey, value: s.snapshot.status }] : []),
      ]);
    }
    this.show();
  }

  show(): void {
    setCurrentDetails(currentDetailsMarkdown(this.request, this.state));
  }

  setPhase(phase: Phase): void {
    this.state.phase = phase;
    (this.state.timeline ??= []).push({ phase, at: new Date().toISOString() });
    upsertSearchAttributes([{ key: FineTunePhaseKey, value: phase }]);
    this.show();
  }

  datasetPrepared(fingerprint: string): void {
    upsertSearchAttributes([{ key: DatasetFingerprintKey, value: fingerprint }]);
  }

  jobKnown(jobArn: string): void {
    upsertSearchAttributes([{ key: BedrockJobArnKey, value: jobArn }]);
  }

  jobStatus(status: string): void {
    upsertSearchAttributes([{ key: BedrockJobStatusKey, value: status }]);
    this.show();
  }

  /** Waiting in the fair queue: its place, in the index and on the page. */
  queuePlace(ahead: number): void {
    upsertSearchAttributes([{ key: JobQueueAheadKey, value: ahead }]);
    this.show();
  }

  /** Out of the queue (granted, or left it): the run is no longer indexed by a place. */
  queueLeft(): void {
    upsertSearchAttributes([{ key: JobQueueAheadKey, value: null }]);
    this.show();
  }

  losses(training?: number, validation?: number): void {
    const pairs = [];
    if (training !== undefined) pairs.push({ key: TrainingLossKey, value: training });
    if (validation !== undefined) pairs.push({ key: ValidationLossKey, value: validation });
    if (pairs.length > 0) upsertSearchAttributes(pairs);
  }
}
