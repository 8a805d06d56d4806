// The HTTP front of the simulator. (Minimal first cut: answers every request so the stack can start.)
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { SimulatorOptions } from './options';

export interface RunningSimulator {
  url: string;
  close(): Promise<void>;
}

export async function startSimulatorServer(options: SimulatorOptions): Promise<RunningSimulator> {
  const server: Server = createServer((req, res) => {
    req.resume();
    const body = JSON.stringify({ message: 'Missing Authentication Token' });
    res.writeHead(403, {
      'content-type': 'application/json',
      'x-amzn-errortype': 'MissingAuthenticationTokenException',
      'x-amzn-requestid': randomUUID(),
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const url = `http://${options.host}:${options.port}`;
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
