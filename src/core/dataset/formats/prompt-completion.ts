// {"prompt": "...", "completion": "..."}: Titan Text, Cohere Command and Llama 3.1 fine-tuning. The
// docs give exactly these two string fields; the prompt is the input, the completion the output.
import { checkKeys, requiredText, type RecordChecker } from './common';

const KEYS = ['prompt', 'completion'] as const;

export const promptCompletionChecker: RecordChecker = {
  check(record, scope) {
    checkKeys(record, KEYS, 'the record', scope);
    scope.input += requiredText(record, 'prompt', 'prompt', scope)?.length ?? 0;
    scope.output += requiredText(record, 'completion', 'completion', scope)?.length ?? 0;
  },
};
