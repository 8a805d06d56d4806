// What the simulator's request log says a fault did: one line per call, `<time> <method> <path> <status>
// <operation> <ms>ms <request id>` (src/simulator/server.ts), the operation marked `(reply lost after
// commit)` when its answer was dropped after the change was made; and its own lines of what it made,
// `deployment <name>: created <arn> ...`, `evaluation <name>: created <arn> ...`.
const REQUEST_LINE = /^\S+ [A-Z]+ \S+ (\d{3}) (.*) \d+ms \S+$/;
const LOST = ' (reply lost after commit)';
const CREATED = /^(?:\S+ )?(deployment|evaluation) (\S+): created /;

export interface SimulatorCalls {
  /** Calls answered at all (refused or not). */
  calls: number;
  /** Calls refused before the operation ran: throttled (429) or a 5xx. */
  refused: number;
  /** CreateModelCustomizationJob calls whose job was committed and whose answer was lost. */
  lostCreateAnswers: number;
  /** Per operation, the answers lost after commit (creates, updates, deletes, stops). */
  lostAnswers: Record<string, number>;
  /** Deployments and evaluation jobs created (not idempotent repeats), by name: each name once. */
  created: Map<string, number>;
}

export function simulatorCalls(lines: string[]): SimulatorCalls {
  const out: SimulatorCalls = { calls: 0, refused: 0, lostCreateAnswers: 0, lostAnswers: {}, created: new Map() };
  for (const line of lines) {
    const made = CREATED.exec(line);
    if (made) out.created.set(`${made[1]} ${made[2]}`, (out.created.get(`${made[1]} ${made[2]}`) ?? 0) + 1);
    const m = REQUEST_LINE.exec(line);
    if (!m) continue;
    const status = Number(m[1]);
    out.calls++;
    if (status === 429 || status >= 500) out.refused++;
    if (m[2].endsWith(LOST)) {
      const operation = m[2].slice(0, -LOST.length);
      out.lostAnswers[operation] = (out.lostAnswers[operation] ?? 0) + 1;
      if (operation === 'CreateModelCustomizationJob') out.lostCreateAnswers++;
    }
  }
  return out;
}
