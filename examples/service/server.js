// @ts-check
// Another service triggering fine-tunes: a small HTTP endpoint on Node's own `http` module that takes a
// customization request, starts a run under a business ID, and answers with the run's ID and its page
// in the Temporal UI. The business ID is the workflow ID, so a retried or duplicated call (a client
// timeout, a redelivered message) returns the same run instead of training twice, even after it ended.
//
//   POST /fine-tunes/<business-id>   body: the request JSON      -> 202 { workflowId, runId, uiUrl, status }
//   GET  /fine-tunes/<business-id>                               -> 200 { workflowId, runId, status, phase, ... }
//
// Run it (after `npm run build`, in a shell that sourced .local/stack.env):
//   PORT=8080 node examples/service/server.js
//   curl -X POST localhost:8080/fine-tunes/support-bot-2026-11 -d @examples/fine-tuning-conversation/request.json
// In your own service, `npm install bedrock-finetune` and require it exactly like this.
'use strict';
const http = require('node:http');
const { FineTuneClient, InvalidRequestError, workflowUiUrl } = require('bedrock-finetune');

/** A business ID becomes a workflow ID: letters, digits and . _ - only, so it is safe in URLs and logs. */
const BUSINESS_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * @param {http.ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 */
function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

/** @param {http.IncomingMessage} req @returns {Promise<string>} */
async function readBody(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > MAX_BODY_BYTES) throw Object.assign(new Error('the body is larger than 1 MiB'), { status: 413 });
  }
  return body;
}

/**
 * @param {import('bedrock-finetune').FineTuneClient} ft
 * @param {string} workflowId
 * @param {string | undefined} uiBase
 */
async function describeRun(ft, workflowId, uiBase) {
  const s = await ft.run(workflowId).summary();
  return {
    workflowId: s.workflowId,
    runId: s.runId,
    uiUrl: uiBase ? workflowUiUrl(uiBase, ft.client.options.namespace, s.workflowId, s.runId) : undefined,
    status: s.status,
    phase: s.phase,
    jobStatus: s.jobStatus,
    customModelName: s.customModelName,
  };
}

/**
 * The request handler, on a connected client.
 * @param {import('bedrock-finetune').FineTuneClient} ft
 * @param {string | undefined} uiBase the Temporal UI's address, for links
 */
function handler(ft, uiBase) {
  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  return async (req, res) => {
    const match = /^\/fine-tunes\/([^/?]+)$/.exec(req.url ?? '');
    if (!match) return reply(res, 404, { error: 'NotFound', message: 'use /fine-tunes/<business-id>' });
    const businessId = decodeURIComponent(match[1]);
    if (!BUSINESS_ID.test(businessId))
      return reply(res, 400, { error: 'InvalidBusinessId', message: 'use 1-200 letters, digits and . _ -' });
    try {
      if (req.method === 'GET') return reply(res, 200, await describeRun(ft, businessId, uiBase));
      if (req.method !== 'POST') return reply(res, 405, { error: 'MethodNotAllowed', message: 'use GET or POST' });
      let request;
      try {
        request = JSON.parse(await readBody(req));
      } catch (err) {
        const status = /** @type {{ status?: number }} */ (err).status ?? 400;
        return reply(res, status, { error: 'InvalidBody', message: /** @type {Error} */ (err).message });
      }
      // One business ID, one fine-tune: a running run is joined, an ended one returned as it ended.
      await ft.start(request, { workflowId: businessId, ifEnded: 'return' });
      return reply(res, 202, await describeRun(ft, businessId, uiBase));
    } catch (err) {
      if (err instanceof InvalidRequestError)
        return reply(res, 400, { error: 'InvalidRequest', problems: err.problems });
      if (/** @type {Error} */ (err).name === 'WorkflowNotFoundError')
        return reply(res, 404, { error: 'NotFound', message: `no fine-tune with business ID ${businessId}` });
      console.error(err);
      return reply(res, 500, { error: 'Internal', message: 'the fine-tune could not be started; try again' });
    }
  };
}

async function main() {
  const ft = await FineTuneClient.connect(); // TEMPORAL_* and TASK_QUEUE, as every Temporal tool reads them
  const handle = handler(ft, process.env.TEMPORAL_UI_URL);
  const server = http.createServer((req, res) => void handle(req, res));
  server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1', () => {
    const address = /** @type {import('node:net').AddressInfo} */ (server.address());
    console.log(`fine-tune service listening on http://${address.address}:${address.port}`);
  });
  const stop = () => server.close(() => void ft.close());
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
