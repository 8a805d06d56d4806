// What the simulator's request log says a fault did: one line per call, `<time> <method> <path> <status>
// <operation> <ms>ms <request id>` (src/simulator/server.ts), the operation marked `(reply lost after
// commit)` when its answer was dropped after the change was made.
const REQUEST_LINE = /^\S+ [A-Z]+ \S+ (\d{3}) (.*) \d+ms \S+$/;

export interface SimulatorCalls {
  /** Calls answered at all (refused or not). */
  calls: number;
  /** Calls refused before the operation ran: throttled (429) or a 5xx. */
  refused: number;
  /** CreateModelCustomizationJob calls whose job was committed and whose answer was lost. */
  lostCreateAnswers: number;
}

export function simulatorCalls(lines: string[]): SimulatorCalls {
  const out: SimulatorCalls = { calls: 0, refused: 0, lostCreateAnswers: 0 };
  for (const line of lines) {
    const m = REQUEST_LINE.exec(line);
    if (!m) continue;
    const status = Number(m[1]);
    out.calls++;
    if (status === 429 || status >= 500) out.refused++;
    if (m[2] === 'CreateModelCustomizationJob (reply lost after commit)') out.lostCreateAnswers++;
  }
  return out;
}
