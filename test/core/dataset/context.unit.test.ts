// The dataset context built from a request's parts, as the preparation, `finetune check` and
// `finetune validate` build it.
import { DatasetContextError, datasetContextOf } from '../../../src/core/dataset';
import { MODELS } from './helpers';

function contextError(run: () => unknown): DatasetContextError {
  try {
    run();
  } catch (err) {
    if (err instanceof DatasetContextError) return err;
    throw err;
  }
  throw new Error('no DatasetContextError was thrown');
}

describe('datasetContextOf', () => {
  it("takes batchSize from the request's hyperparameters, else the catalog's default", () => {
    const parts = { baseModelIdentifier: MODELS.titanExpress, customizationType: 'FINE_TUNING' as const };
    expect(datasetContextOf({ ...parts, hyperParameters: { batchSize: '8' } }, 'training').batchSize).toBe(8);
    expect(datasetContextOf(parts, 'validation')).toMatchObject({
      customizationType: 'FINE_TUNING',
      role: 'validation',
      batchSize: 1,
    });
  });

  it('carries the teacher and the invocation-log options as given', () => {
    const logs = { usePromptResponse: true, requestMetadataFilters: { equals: { project: 'bot' } } };
    const ctx = datasetContextOf(
      {
        baseModelIdentifier: MODELS.novaMicro,
        customizationType: 'DISTILLATION',
        teacherModelIdentifier: 'amazon.nova-pro-v1:0',
        invocationLogs: logs,
      },
      'training',
    );
    expect(ctx.model.modelId).toBe(MODELS.novaMicro);
    expect(ctx).toMatchObject({ teacherModelIdentifier: 'amazon.nova-pro-v1:0', invocationLogs: logs });
  });

  it('names the part at fault: a model not in the catalog, a type the model lacks', () => {
    const unknown = contextError(() =>
      datasetContextOf({ baseModelIdentifier: 'amazon.titan-tg1-large', customizationType: 'FINE_TUNING' }, 'training'),
    );
    expect(unknown.part).toBe('baseModelIdentifier');
    expect(unknown.message).toMatch(/^amazon\.titan-tg1-large is not a customizable model in the catalog; known: /);
    const lacking = contextError(() =>
      datasetContextOf(
        { baseModelIdentifier: MODELS.llama31, customizationType: 'CONTINUED_PRE_TRAINING' },
        'training',
      ),
    );
    expect(lacking.part).toBe('customizationType');
    expect(lacking.message).toBe(
      'Llama 3.1 8B Instruct supports FINE_TUNING, DISTILLATION, not CONTINUED_PRE_TRAINING',
    );
  });
});
