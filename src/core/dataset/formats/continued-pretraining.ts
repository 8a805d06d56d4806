// {"input": "..."}: continued pre-training on unlabeled text (Titan Text G1 Express and Lite).
import { checkKeys, requiredText, type RecordChecker } from './common';

const KEYS = ['input'] as const;

export const continuedPretrainingChecker: RecordChecker = {
  check(record, scope) {
    checkKeys(record, KEYS, 'the record', scope);
    scope.input += requiredText(record, 'input', 'input', scope)?.length ?? 0;
  },
};
