// Member constraints of the Bedrock service model (botocore bedrock/2023-04-20), with the pattern text
// as the model writes it (shown in ValidationException messages) and the anchored regex that tests it.
// Where src/core/bedrock-patterns.ts already holds a pattern, that one is used, so the worker's
// preflight and the simulator refuse exactly the same values.
import {
  CLIENT_REQUEST_TOKEN,
  CUSTOM_MODEL_NAME,
  JOB_NAME,
  LAMBDA_ARN,
  METADATA_FILTER_TEXT,
  ROLE_ARN,
  S3_URI,
  SUBNET_OR_GROUP_ID,
  TAG_TEXT,
} from '../core/bedrock-patterns';
import { modelPattern, type Pattern } from './wire';

export const JOB_NAME_PATTERN = modelPattern('[a-zA-Z0-9](-*[a-zA-Z0-9\\+\\-\\.])*', JOB_NAME);
export const CUSTOM_MODEL_NAME_PATTERN = modelPattern('([0-9a-zA-Z][_-]?){1,63}', CUSTOM_MODEL_NAME);
export const ROLE_ARN_PATTERN = modelPattern('arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+', ROLE_ARN);
export const TOKEN_PATTERN = modelPattern('[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?', CLIENT_REQUEST_TOKEN);
export const S3_URI_PATTERN = modelPattern(
  "s3://[a-z0-9][-.a-z0-9]{1,61}[a-z0-9](?:/[-!_*'().a-z0-9A-Z]+(?:/[-!_*'().a-z0-9A-Z]+)*)?/?",
  S3_URI,
);
export const TAG_PATTERN = modelPattern('[a-zA-Z0-9\\s._:/=+@-]*', TAG_TEXT);
export const SUBNET_PATTERN = modelPattern('[-0-9a-zA-Z]+', SUBNET_OR_GROUP_ID);
export const METADATA_KEY_PATTERN = modelPattern('[a-zA-Z0-9\\s._:/=+$@-]{1,256}', METADATA_FILTER_TEXT);
export const METADATA_VALUE_PATTERN = modelPattern('[a-zA-Z0-9\\s._:/=+$@-]{0,256}', METADATA_FILTER_TEXT);
export const KMS_KEY_ID_PATTERN = modelPattern(
  '(arn:aws(-[^:]+)?:kms:[a-zA-Z0-9-]*:[0-9]{12}:((key/[a-zA-Z0-9-]{36})|(alias/[a-zA-Z0-9-_/]+)))|([a-zA-Z0-9-]{36})|(alias/[a-zA-Z0-9-_/]+)',
);
export const BASE_MODEL_IDENTIFIER_PATTERN = modelPattern(
  '(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:(([0-9]{12}:custom-model/([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.]?[a-z0-9-]{1,63})([:][a-z0-9-]{1,63}){0,2})/[a-z0-9]{12})|(:foundation-model/[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2})))|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.]?[a-z0-9-]{1,63})([:][a-z0-9-]{1,63}){0,2})|(([0-9a-zA-Z][_-]?)+)',
);
export const TEACHER_MODEL_IDENTIFIER_PATTERN = modelPattern(
  '(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:((:foundation-model/([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.]?[a-z0-9-]{1,63})([:][a-z0-9-]{1,63}){0,2})|(([0-9a-zA-Z][_-]?)+)$)|([0-9]{12}:inference-profile/[a-zA-Z0-9-:.]+$)))|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.]?[a-z0-9-]{1,63})([:][a-z0-9-]{1,63}){0,2})',
);
export const JOB_IDENTIFIER_PATTERN = modelPattern(
  '(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:model-customization-job/[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2}/[a-z0-9]{12})|([a-zA-Z0-9](-*[a-zA-Z0-9\\+\\-\\.])*)',
  /^(?:arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:model-customization-job\/[a-z0-9-]{1,63}[.][a-z0-9-]{1,63}([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2}\/[a-z0-9]{12}|[a-zA-Z0-9][a-zA-Z0-9+\-.]*)$/,
);
export const MODEL_IDENTIFIER_PATTERN = modelPattern(
  'arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:(([0-9]{12}:custom-model/((imported)|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}))(([:][a-z0-9-]{1,63}){0,2})?/[a-z0-9]{12})|(:foundation-model/([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.]?[a-z0-9-]{1,63})([:][a-z0-9-]{1,63}){0,2})))|(([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.]?[a-z0-9-]{1,63})([:][a-z0-9-]{1,63}){0,2}))|(([0-9a-zA-Z][_-]?)+)',
);
export const FOUNDATION_MODEL_IDENTIFIER_PATTERN = modelPattern(
  '(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}::foundation-model/[a-z0-9-]{1,63}[.]{1}([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2})|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.]?[a-z0-9-]{1,63})([:][a-z0-9-]{1,63}){0,2})',
);
export const MODEL_ARN_PATTERN = modelPattern(
  'arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:(([0-9]{12}:custom-model/((imported)|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}))(([:][a-z0-9-]{1,63}){0,2})?/[a-z0-9]{12})|(:foundation-model/[a-z0-9-]{1,63}[.]{1}([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2}))',
);
export const FOUNDATION_MODEL_ARN_PATTERN = modelPattern(
  'arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}::foundation-model/[a-z0-9-]{1,63}[.]{1}([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2}',
);
export const LAMBDA_ARN_PATTERN = modelPattern(
  'arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}(-gov)?-[a-z]+-\\d{1}:\\d{12}:function:[a-zA-Z0-9-_\\.]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?',
  LAMBDA_ARN,
);
export const PAGINATION_TOKEN_PATTERN = modelPattern('\\S*');
export const PROVIDER_PATTERN = modelPattern('[A-Za-z0-9- ]{1,63}');

export type { Pattern };

// ---- after training: deployments, Provisioned Throughput, evaluation jobs (model-lifecycle.md) ----

export const DEPLOYMENT_NAME_PATTERN = modelPattern('([0-9a-zA-Z][_-]?){1,63}', CUSTOM_MODEL_NAME);
/** CustomModelArn: what a deployment serves (a custom model, never a foundation model). */
export const CUSTOM_MODEL_ARN_PATTERN = modelPattern(
  'arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:[a-z0-9-]{1,20}:[0-9]{12}:custom-model/(imported|[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2})/[a-z0-9]{12}',
  /^arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:[a-z0-9-]{1,20}:[0-9]{12}:custom-model\/(imported|[a-z0-9-]{1,63}[.][a-z0-9.:-]{1,255})\/[a-z0-9]{12}$/,
);
export const DEPLOYMENT_IDENTIFIER_PATTERN = modelPattern(
  '(arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:[a-z0-9-]{1,20}:[0-9]{12}:custom-model-deployment/[a-z0-9]{12})|^([0-9a-zA-Z][_-]?){1,63}',
  /^(?:arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:[a-z0-9-]{1,20}:[0-9]{12}:custom-model-deployment\/[a-z0-9]{12}|([0-9a-zA-Z][_-]?){1,63})$/,
);
export const PROVISIONED_MODEL_NAME_PATTERN = modelPattern('([0-9a-zA-Z][_-]?)+', /^([0-9a-zA-Z][_-]?)+$/);
export const PROVISIONED_MODEL_ID_PATTERN = modelPattern(
  '((([0-9a-zA-Z][_-]?)+)|(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:provisioned-model/[a-z0-9]{12}))',
);
export const EVALUATION_JOB_NAME_PATTERN = modelPattern('[a-z0-9](-*[a-z0-9]){0,62}', /^[a-z0-9](-*[a-z0-9])*$/);
export const EVALUATION_JOB_IDENTIFIER_PATTERN = modelPattern(
  '(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:evaluation-job/[a-z0-9]{12})',
);
/** EvaluatorModelIdentifier: a foundation model or an inference profile; custom models do not match. */
export const EVALUATOR_MODEL_IDENTIFIER_PATTERN = modelPattern(
  '(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:((:foundation-model/[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63}))|([0-9]{12}:inference-profile/(([a-z-]{2,8}.)[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63})))))$|(^[a-z0-9-]+[.][a-z0-9-]+([.][a-z0-9-]+)*(:[a-z0-9-]+)?$)|^[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2}(/[a-z0-9]{12}|)',
  /^(?:arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:(:foundation-model\/[a-z0-9-]{1,63}[.][a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63})|[0-9]{12}:inference-profile\/[a-z-]{2,8}.[a-z0-9-]{1,63}[.][a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63}))|[a-z0-9-]+[.][a-z0-9-]+([.][a-z0-9-]+)*(:[a-z0-9-]+){0,2})$/,
);
/** EvaluationBedrockModelIdentifier: no custom-model-deployment ARN matches (model-lifecycle.md 6.3). */
export const EVALUATION_MODEL_IDENTIFIER_PATTERN = modelPattern(
  '(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:((:foundation-model/[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63}))|([0-9]{12}:provisioned-model/[a-z0-9]{12})|([0-9]{12}:imported-model/[a-z0-9]{12})|([0-9]{12}:application-inference-profile/[a-z0-9]{12})|([0-9]{12}:inference-profile/(([a-z-]{2,8}.)[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63})))|([0-9]{12}:(default-prompt-router|prompt-router)/[a-zA-Z0-9-:.]+)))|(([a-z]{2,4}[.]{1})([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63})))|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63}))|arn:aws(-[^:]+)?:sagemaker:[a-z0-9-]{1,20}:[0-9]{12}:endpoint/[a-z0-9-]{1,63}',
);
export const PRECOMPUTED_SOURCE_PATTERN = modelPattern('[a-zA-Z0-9]([a-zA-Z0-9._-]){0,255}');
export const EVALUATION_NAME_PATTERN = modelPattern('[0-9a-zA-Z-_.]+', /^[0-9a-zA-Z_.-]+$/);
