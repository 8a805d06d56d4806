// The simulator processes a test file starts of its own and the clients it makes for them, closed
// together in its afterAll; and the one move several files make to test the state file: drive one
// process, end it, and start another on the same state.
import type { BedrockClient } from '@aws-sdk/client-bedrock';
import { bedrockClient, startOwnSimulator, type OwnSimulator } from './helpers';

export class SimulatorPool {
  private readonly started: OwnSimulator[] = [];
  private readonly clients: { destroy(): void }[] = [];

  /** Starts one with `args` (see startOwnSimulator), stopped at close. */
  async start(args: string[], env?: NodeJS.ProcessEnv): Promise<OwnSimulator> {
    const sim = await startOwnSimulator(args, env);
    this.started.push(sim);
    return sim;
  }

  /** Destroys `client` at close. */
  keep<T extends { destroy(): void }>(client: T): T {
    this.clients.push(client);
    return client;
  }

  /** A Bedrock client of `endpoint` (default: the stack's simulator), destroyed at close. */
  client(endpoint: string | undefined, maxAttempts?: number): BedrockClient {
    return this.keep(bedrockClient(endpoint, maxAttempts));
  }

  /**
   * Starts a simulator with `args` (which name its state file), runs `before` against it, ends it
   * (`kill`: SIGKILL, as a crash; `stop`: SIGTERM) and starts another on the same state with `args` and
   * `more` (a fault to switch on). Returns what `before` returned, and a client of the second process.
   * Both clients make one attempt, so a fault shows instead of being retried away.
   */
  async restart<T extends object>(
    end: 'kill' | 'stop',
    args: string[],
    before: (client: BedrockClient) => Promise<T>,
    more: string[] = [],
  ): Promise<T & { client: BedrockClient }> {
    const first = await startOwnSimulator(args);
    const c1 = bedrockClient(first.endpoint, 1);
    let result: T;
    try {
      result = await before(c1);
    } finally {
      c1.destroy();
      await (end === 'kill' ? first.kill() : first.stop());
    }
    const second = await this.start([...args, ...more]);
    return { ...result, client: this.client(second.endpoint, 1) };
  }

  /** Destroys the clients, then stops the processes. */
  async close(): Promise<void> {
    for (const c of this.clients) c.destroy();
    for (const sim of this.started) await sim.stop();
  }
}
