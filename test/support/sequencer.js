// Jest's own order, except that the least-privilege test runs last: it checks the AWS operations that
// every integration test before it recorded (test/support/aws-operations.ts).
'use strict';
const Sequencer = require('@jest/test-sequencer').default;

const LAST = /[\\/]test[\\/]iam[\\/]/;

class LeastPrivilegeLast extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    return [...sorted.filter((t) => !LAST.test(t.path)), ...sorted.filter((t) => LAST.test(t.path))];
  }
}

module.exports = LeastPrivilegeLast;
