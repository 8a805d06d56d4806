// Jest's own order (the slowest files first, from the timings of earlier runs; the largest first on a
// fresh clone), except: the long passes start first, the seeded fault suite and the benchmarks
// (test/faults/, test/bench/), so that with two workers no long file starts when the rest are done;
// and the least-privilege test last (test/support/runner.ts also holds it back until every other
// file has finished: it checks the AWS operations they recorded, test/support/aws-operations.ts).
'use strict';
const Sequencer = require('@jest/test-sequencer').default;

const FIRST = /[\\/]test[\\/](faults|bench)[\\/]/;
const LAST = /[\\/]test[\\/]iam[\\/]/;

class LongFirstLeastPrivilegeLast extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const first = sorted.filter((t) => FIRST.test(t.path));
    const last = sorted.filter((t) => LAST.test(t.path));
    return [...first, ...sorted.filter((t) => !FIRST.test(t.path) && !LAST.test(t.path)), ...last];
  }
}

module.exports = LongFirstLeastPrivilegeLast;
