// The dataset context of one data source, built from a request's parts: the one place that says which of
// them the engine's rules depend on (the model, the customization type, batchSize, the teacher, the
// invocation-log options). The workflow's preparation, `finetune check` and `finetune validate` all
// build it here, so a file is judged by the same rules wherever it is checked.
import { CATALOG, customizationOf, findModel, hyperParameterValue, type CustomizationType } from '../catalog';
import type { DatasetContext, DatasetRole, InvocationLogOptions } from './types';
import { DatasetContextError } from './validator';

/** What a request says about how its data is read. */
export interface DatasetRequestParts {
  baseModelIdentifier: string;
  customizationType: CustomizationType;
  /** The job's hyperparameters as a request gives them: batchSize changes token limits (Titan Text). */
  hyperParameters?: Record<string, string>;
  teacherModelIdentifier?: string;
  /** Present when the source holds model invocation logs rather than a JSONL dataset. */
  invocationLogs?: InvocationLogOptions;
}

/**
 * The engine's context for a source of the given role. Throws DatasetContextError, naming the part at
 * fault, for a model the catalog does not hold or a type the model does not support; each caller says
 * it in its own terms (a flag, a request field).
 */
export function datasetContextOf(parts: DatasetRequestParts, role: DatasetRole): DatasetContext {
  const model = findModel(parts.baseModelIdentifier);
  if (!model)
    throw new DatasetContextError(
      `${parts.baseModelIdentifier} is not a customizable model in the catalog; known: ${CATALOG.map((m) => m.modelId).join(', ')}`,
      'baseModelIdentifier',
    );
  const type = parts.customizationType;
  const spec = customizationOf(model, type);
  if (!spec)
    throw new DatasetContextError(
      `${model.modelName} supports ${Object.keys(model.customizations).join(', ')}, not ${type}`,
      'customizationType',
    );
  return {
    model,
    customizationType: type,
    role,
    batchSize: hyperParameterValue(spec, parts.hyperParameters, 'batchSize'),
    teacherModelIdentifier: parts.teacherModelIdentifier,
    invocationLogs: parts.invocationLogs,
  };
}
