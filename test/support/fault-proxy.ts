// An HTTP forwarder between a worker and a real server (the simulator, the S3 server) that injects
// faults where they hurt: after the server has done the work. A create whose reply is dropped or held
// has committed its job; a slow body is a real read that takes its time. Signed requests pass
// unchanged (the Host header is kept), so S3's signature checks still hold. One answer is the proxy's own:
// a DeleteObjects refused as AWS refuses it to a caller without s3:DeleteObject (nothing real here has IAM).
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';

/** An AWS error answered by the proxy itself: the server never sees the request. */
export interface Refusal {
  when: (method: string, path: string) => boolean;
  status: number;
  /** The X-Amzn-Errortype, e.g. AccessDeniedException. */
  errorType: string;
  message: string;
}

export interface ProxyFaults {
  /** Reply of CreateModelCustomizationJob, after the server answered: passed, dropped, or held. */
  createReply: 'pass' | 'drop' | { holdMs: number };
  /** Requests answered with an error before they reach the server (Bedrock unreachable, access denied). */
  refuse?: Refusal;
  /** Response bodies of GET requests whose path contains this, at most this many bytes a second. */
  slowBody?: { pathContains: string; bytesPerSecond: number };
  /**
   * S3 DeleteObjects answered, without reaching the server, as AWS answers a caller without
   * s3:DeleteObject: 200, every key listed as an AccessDenied error, nothing deleted.
   */
  denyDeleteObjects?: boolean;
}

export interface FaultProxy {
  endpoint: string;
  faults: ProxyFaults;
  /** Create calls that reached the server (each one committed or found its job). */
  createCalls: number;
  /** When each create call reached the proxy (epoch ms), refused ones included. */
  createAttempts: number[];
  /** Requests the proxy refused, as 'METHOD path'. */
  refused: string[];
  /** Called with every request before it is forwarded: for tests that check what a worker sends. */
  onRequest?: (req: IncomingMessage) => void;
  close(): Promise<void>;
}

const isCreate = (req: IncomingMessage) => isCreateCall(req.method ?? '', req.url ?? '');
const isDeleteObjects = (req: IncomingMessage) => req.method === 'POST' && /[?&]delete(=|&|$)/.test(req.url ?? '');

/** CreateModelCustomizationJob on the wire. */
export const isCreateCall = (method: string, path: string) => method === 'POST' && path === '/model-customization-jobs';

/** GetModelCustomizationJob on the wire; `by` tells the run's lookup by name from a poll by ARN. */
export const isGetJobCall = (method: string, path: string, by: 'name' | 'arn') =>
  method === 'GET' &&
  /^\/model-customization-jobs\/[^/?]+$/.test(path) &&
  (by === 'arn') === decodeURIComponent(path).includes('/arn:');

/** AWS's DeleteObjects answer when every key is refused: a 200 that lists them as errors. */
function denyAll(req: IncomingMessage, res: ServerResponse): void {
  const body: Buffer[] = [];
  req.on('data', (chunk: Buffer) => body.push(chunk));
  req.on('end', () => {
    const keys = [
      ...Buffer.concat(body)
        .toString('utf8')
        .matchAll(/<Key>([^<]*)<\/Key>/g),
    ].map((m) => m[1]);
    const errors = keys.map(
      (key) => `<Error><Key>${key}</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`,
    );
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?><DeleteResult>${errors.join('')}</DeleteResult>`);
  });
}

/** Passes at most `bytesPerSecond`, in 16 KiB slices. */
function throttle(bytesPerSecond: number): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      const slices: Buffer[] = [];
      for (let i = 0; i < chunk.length; i += 16_384) slices.push(chunk.subarray(i, i + 16_384));
      const pushNext = () => {
        const slice = slices.shift();
        if (!slice) return callback();
        this.push(slice);
        setTimeout(pushNext, (slice.length / bytesPerSecond) * 1000);
      };
      pushNext();
    },
  });
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const proxy: FaultProxy = {
    endpoint: '',
    faults: { createReply: 'pass' },
    createCalls: 0,
    createAttempts: [],
    refused: [],
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server: Server = createServer((req, res) => {
    proxy.onRequest?.(req);
    if (proxy.faults.denyDeleteObjects && isDeleteObjects(req)) return denyAll(req, res);
    if (isCreate(req)) proxy.createAttempts.push(Date.now());
    const refusal = proxy.faults.refuse;
    if (refusal?.when(req.method ?? '', req.url ?? '')) {
      proxy.refused.push(`${req.method} ${req.url}`);
      req.resume();
      res.writeHead(refusal.status, { 'content-type': 'application/json', 'x-amzn-errortype': refusal.errorType });
      res.end(JSON.stringify({ message: refusal.message }));
      return;
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        if (isCreate(req)) {
          proxy.createCalls++;
          const fault = proxy.faults.createReply;
          if (fault === 'drop') {
            // The job is committed; the caller never hears of it.
            answer.resume();
            answer.on('end', () => req.socket.destroy());
            return;
          }
          if (fault !== 'pass') {
            const body: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => body.push(chunk));
            answer.on('end', () =>
              setTimeout(() => {
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                res.end(Buffer.concat(body));
              }, fault.holdMs),
            );
            return;
          }
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        const slow = proxy.faults.slowBody;
        if (slow && req.method === 'GET' && req.url?.includes(slow.pathContains)) {
          answer.pipe(throttle(slow.bytesPerSecond)).pipe(res);
        } else {
          answer.pipe(res);
        }
      },
    );
    forward.on('error', () => res.destroy());
    res.on('close', () => forward.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
