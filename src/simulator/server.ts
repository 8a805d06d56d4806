// The HTTP front of the simulator: node:http, one JSON answer per request. Every response carries an
// `x-amzn-RequestId`; every failure is an error shape with `X-Amzn-Errortype` and a JSON `message`,
// never a stack trace or an HTML page. Order per request, as at AWS: added latency, authentication,
// injected faults (throttling, 5xx), routing, the operation; then, for Create and Stop, the faults
// after commit (the answer held, or lost: the connection closed with no answer).
// One port speaks HTTP/1.1 and cleartext HTTP/2 (prior knowledge, as the JS SDK's bedrock-runtime client
// sends it to an http:// endpoint): each connection is handed to the server its first bytes call for.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  constants as http2Constants,
  createServer as createHttp2Server,
  Http2ServerResponse,
  type Http2ServerRequest,
} from 'node:http2';
import { createServer as createNetServer, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkAuthorization } from './auth';
import { catalogRoutes } from './catalog-routes';
import { deploymentRoutes } from './deployment-routes';
import { Deployments } from './deployments';
import { createSqsClient } from '../aws/clients';
import { Engine } from './engine';
import { evaluationRoutes } from './evaluation-routes';
import { Evaluations } from './evaluations';
import { ApiError } from './errors';
import { JobEventPublisher } from './job-events';
import { jobRoutes } from './job-routes';
import { modelRoutes } from './model-routes';
import type { SimulatorOptions } from './options';
import { ReplyFaults } from './reply-faults';
import type { ResourceContext } from './resource-common';
import { Runtime, runtimeRoutes } from './runtime-routes';
import { resolveS3Access } from './s3-access';
import { Router, type Reply } from './router';
import { Store } from './state';
import { tagRoutes } from './tag-routes';
import { throughputRoutes } from './throughput-routes';
import { Throughputs } from './throughputs';
import { parseJsonBody, Query, type JsonObject } from './wire';

/** Larger bodies are refused before parsing; a Create request is a few kilobytes. */
const MAX_BODY_BYTES = 1024 * 1024;
/** How often jobs are settled without readers (data checks, completions) and their events published. */
const TICK_MS = 250;

export interface RunningSimulator {
  url: string;
  engine: Engine;
  close(): Promise<void>;
}

export interface SimulatorDeps {
  log?: (line: string) => void;
}

class BodyTooLarge extends Error {
  constructor() {
    super(`the request body is larger than ${MAX_BODY_BYTES} bytes`);
    this.name = 'BodyTooLarge';
  }
}

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

/** The HTTP/2 connection preface starts `PRI * HTTP/2.0`. */
const HTTP2_PREFACE = 'PRI';

async function readBody(req: Request): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The path and query; a target no URL parser accepts is routed as `/`, which no operation has. */
function requestUrl(target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'http://simulator');
  } catch {
    return new URL('http://simulator/');
  }
}

function send(
  res: Response,
  requestId: string,
  status: number,
  body: object | undefined,
  extraHeaders: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
    ...extraHeaders,
  });
  res.end(text);
}

function sendError(res: Response, requestId: string, err: ApiError): void {
  send(
    res,
    requestId,
    err.status,
    { message: err.message, ...err.members },
    { 'x-amzn-errortype': err.errorTypeHeader },
  );
}

/** Holds the answer as the reply's fault asks; true when it is lost (the connection closed instead). */
async function applyAfterCommit(reply: Reply, res: Response): Promise<boolean> {
  const fault = reply.afterCommit;
  if (!fault) return false;
  if (fault.delayMs > 0) await sleep(fault.delayMs);
  if (!fault.lose) return false;
  // HTTP/2: reset this stream only; the connection carries other requests.
  if (res instanceof Http2ServerResponse) res.stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR);
  else res.socket?.destroy();
  return true;
}

export async function startSimulatorServer(
  options: SimulatorOptions,
  deps: SimulatorDeps = {},
): Promise<RunningSimulator> {
  // stdout carries only the ready line (the stack and scripts read it); the log goes to stderr.
  const log = deps.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
  const store = Store.open(options.stateFile);
  const access = await resolveS3Access(options);
  if (access.warning) log(`warning: ${access.warning}`);
  const s3 = access.client;
  const engine = new Engine(store, s3, {
    region: options.region,
    accountId: options.accountId,
    timeScale: options.timeScale,
    maxConcurrentJobs: options.maxConcurrentJobs,
    s3RetryMs: options.s3RetrySeconds * 1000,
    publishesEvents: options.eventsQueueUrl !== undefined,
    log,
  });
  const partition = { region: options.region, accountId: options.accountId };
  const eventsSqs = options.eventsQueueUrl ? createSqsClient(options.eventsQueueUrl, options.region) : undefined;
  const events =
    options.eventsQueueUrl && eventsSqs
      ? new JobEventPublisher(store, engine, eventsSqs, {
          queueUrl: options.eventsQueueUrl,
          partition,
          dropRate: options.eventsDropRate,
          duplicateRate: options.eventsDuplicateRate,
          maxDelaySeconds: options.eventsMaxDelaySeconds,
          log,
        })
      : undefined;
  const faults = new ReplyFaults(store, options);
  const resources: ResourceContext = { ...partition, store, engine, timeScale: options.timeScale, now: Date.now, log };
  const deployments = new Deployments(resources, options);
  const throughputs = new Throughputs(resources, options);
  const runtime = new Runtime(engine, deployments, throughputs);
  const evaluations = new Evaluations(resources, s3, runtime, options.s3RetrySeconds * 1000);
  engine.registerLaterResources({
    taggable: (arn) =>
      deployments.byArn(arn) !== undefined || throughputs.byArn(arn) !== undefined || evaluations.taggable(arn),
    modelUser: (modelArn) => {
      const d = deployments.usingModel(modelArn);
      if (d) return `the custom model deployment ${d.name}`;
      const t = throughputs.usingModel(modelArn);
      return t ? `the provisioned model ${t.name}` : undefined;
    },
  });
  const router = new Router([
    ...jobRoutes(engine, faults),
    ...modelRoutes(engine, options.accountId, options.region),
    ...tagRoutes(engine),
    ...catalogRoutes(partition),
    ...deploymentRoutes(deployments, faults),
    ...throughputRoutes(throughputs, faults, partition),
    ...evaluationRoutes(evaluations, faults),
    ...runtimeRoutes(runtime),
  ]);

  const handle = async (req: Request, res: Response): Promise<void> => {
    const requestId = randomUUID();
    const started = Date.now();
    const method = req.method ?? 'GET';
    const url = requestUrl(req.url);
    let operation = '-';
    let status = 500;
    try {
      const raw = await readBody(req);
      if (options.latencyMs > 0) await sleep(options.latencyMs);
      checkAuthorization(req.headers, options.region);
      if (options.throttleRate > 0 && Math.random() < options.throttleRate) {
        throw new ApiError('ThrottlingException', 'Too many requests, please wait before trying again.');
      }
      if (options.errorRate > 0 && Math.random() < options.errorRate) {
        throw new ApiError('InternalServerException', 'An internal server error occurred. Retry your request.');
      }
      const { route, label } = router.match(method, url.pathname);
      operation = route.operation;
      let body: JsonObject | undefined;
      const reply = await route.handler(
        { query: new Query(url.searchParams), body: () => (body ??= parseJsonBody(raw)), raw, headers: req.headers },
        label,
      );
      status = reply.status;
      if (await applyAfterCommit(reply, res)) {
        operation = `${operation} (reply lost after commit)`;
        return;
      }
      send(res, requestId, reply.status, reply.body, reply.headers);
    } catch (err) {
      let apiError: ApiError;
      if (err instanceof ApiError) apiError = err;
      else if (err instanceof BodyTooLarge)
        apiError = new ApiError('ValidationException', `The request body exceeds ${MAX_BODY_BYTES} bytes.`);
      else {
        log(`request ${requestId} ${method} ${url.pathname} failed: ${(err as Error).stack ?? String(err)}`);
        apiError = new ApiError('InternalServerException', 'An internal server error occurred. Retry your request.');
      }
      status = apiError.status;
      if (!res.headersSent) sendError(res, requestId, apiError);
      else res.end();
      if (apiError.shape !== 'InternalServerException') operation = `${operation} ${apiError.shape}`;
    } finally {
      log(`${method} ${url.pathname}${url.search} ${status} ${operation} ${Date.now() - started}ms ${requestId}`);
    }
  };

  const onRequest = (req: Request, res: Response) => {
    handle(req, res).catch((err: unknown) => log(`unhandled: ${String(err)}`));
  };
  const http1 = createServer(onRequest);
  // Clients that keep connections alive (every SDK) must not find them closed under them.
  http1.keepAliveTimeout = 65_000;
  const http2 = createHttp2Server(onRequest);
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      (first.subarray(0, HTTP2_PREFACE.length).toString('latin1') === HTTP2_PREFACE ? http2 : http1).emit(
        'connection',
        socket,
      );
      process.nextTick(() => socket.resume());
    });
  });

  let ticking = false;
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = true;
    // Events after the jobs are settled: a completion the tick just supplied goes out in the same tick.
    Promise.all([engine.tick().then(() => events?.tick()), evaluations.tick()])
      .catch((err: unknown) => log(`tick failed: ${String(err)}`))
      .finally(() => {
        ticking = false;
      });
  }, TICK_MS);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    engine,
    close: async () => {
      clearInterval(timer);
      events?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      // A tick in flight may still append to the journal: let it finish first.
      while (ticking) await sleep(10);
      s3.destroy();
      eventsSqs?.destroy();
      store.close();
    },
  };
}
