// The Temporal UI tells a run's story, checked in a real (headless) browser: a completed fine-tune is
// found by a search-attribute query in the workflow list, opened, and its phase, job status and losses
// are read where an operator reads them. Screenshots are saved under test-artifacts/ui/; with
// FINETUNE_UPDATE_DOCS_IMAGES=1 the README's images (docs/images/) are made from the same pages.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { FineTuneResult } from '../../src/client';
import { parseS3Uri } from '../../src/core/bedrock-patterns';
import { artifactPath, launchBrowser } from '../support/browser';
import { uniqueName, type TestContext } from '../support/temporal';
import { waitFor } from '../support/wait';
import { contextWithExample, testRequest } from '../cli/helpers';

const UI = process.env.FINETUNE_TEST_UI_URL!;
const DOCS_IMAGES = resolve(__dirname, '..', '..', 'docs', 'images');
const taskQueue = uniqueName('ui');
let ctx: TestContext;
let browser: Browser;

beforeAll(async () => {
  ctx = await contextWithExample(taskQueue, 'fine-tuning-prompt-completion');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

/** Saves a screenshot as a test artifact and, when asked, as a README image. */
async function screenshot(page: Page, name: string, docsName?: string): Promise<void> {
  const path = artifactPath('ui', name);
  await page.screenshot({ path });
  if (docsName && process.env.FINETUNE_UPDATE_DOCS_IMAGES) {
    mkdirSync(DOCS_IMAGES, { recursive: true });
    copyFileSync(path, join(DOCS_IMAGES, `${docsName}.png`));
  }
}

/** The text of the rendered Markdown block (summary, details, current details) that holds `heading`. */
async function markdownBlock(page: Page, heading: string): Promise<string> {
  return waitFor(
    `a Markdown block headed "${heading}"`,
    async () => {
      const frames = page.locator('iframe[title="output"]');
      for (let i = 0; i < (await frames.count()); i++) {
        const body = frames.nth(i).contentFrame().locator('body');
        const text = await body.innerText({ timeout: 1_000 }).catch(() => '');
        if (text.includes(heading)) return text;
      }
      return undefined;
    },
    30_000,
    500,
  );
}

/**
 * What the run's Current Details must say, row by row (the workflow's Markdown, rendered by the UI).
 * Item 12 of issue 11 adds rows (phase timestamps, next poll, the per-epoch loss table, resolved
 * templates): add each here as it lands, e.g. the table's header and one line per epoch.
 */
function currentDetailsExpectations(name: string, result: FineTuneResult): [string, RegExp][] {
  return [
    ['the model and the phase', new RegExp(`${name}: completed`)],
    ['the job status', /Job status\s+Completed/],
    ['the Bedrock phases', /Phases\s+validation Completed, data processing Completed, training Completed/],
    ['the final training loss', new RegExp(`Training loss\\s+${result.metrics!.finalTrainingLoss!.toFixed(4)}`)],
  ];
}

it('finds a completed run by a search-attribute query, opens it and shows its phase, job status and losses', async () => {
  const id = uniqueName('ui-run');
  const request = testRequest('fine-tuning-prompt-completion', id);
  const run = await ctx.fineTune.start(request, { workflowId: id });
  const result = await run.result();
  const { runId } = await run.summary();
  // Visibility is eventually consistent: the list query finds the run once it is indexed as completed.
  const query = `CustomModelName = "${request.customModelName}" AND FineTunePhase = "completed"`;
  await waitFor('the run in visibility', async () =>
    (await ctx.fineTune.list(`WorkflowType = 'fineTune' AND ${query}`)).length > 0 ? true : undefined,
  );

  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  try {
    await page.goto(`${UI}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
    const link = page.getByRole('link', { name: id, exact: true });
    await link.waitFor({ timeout: 30_000 });
    expect(await link.count()).toBe(1);
    await screenshot(page, 'workflow-list');

    await link.click();
    await page.waitForURL(new RegExp(`/workflows/${id}/${runId}/`));
    await page.getByText('Completed', { exact: true }).filter({ visible: true }).first().waitFor();
    // The run's result carries the per-epoch losses.
    const resultText = await page.getByText('"trainingLoss"').first().innerText();
    expect(resultText).toContain('trainingLoss');

    // Where an operator reads the run: summary, details and current details.
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    await page.getByText('Current Details', { exact: true }).waitFor();
    // The UI renders each Markdown block in its own frame; the current details start with a heading
    // that names the model and the phase.
    const detailsText = await markdownBlock(page, `${request.customModelName}: completed`);
    for (const [what, pattern] of currentDetailsExpectations(request.customModelName, result))
      expect({ what, text: detailsText }).toEqual({ what, text: expect.stringMatching(pattern) });
    await markdownBlock(page, `FINE_TUNING amazon.titan-text-express-v1:0:8k -> ${request.customModelName}`);
    await screenshot(page, 'run-details', 'ui-run-details');

    // The search attributes the list query used, as the UI shows them.
    await page.getByRole('tab', { name: 'Search Attributes' }).click();
    await page.getByText('"FineTunePhase": "completed"').waitFor();
    await page.getByText('"BedrockJobStatus": "Completed"').waitFor();
    await screenshot(page, 'search-attributes');

    // The loss chart the run wrote next to its outputs renders in the browser.
    const { bucket, key } = parseS3Uri(result.chartUri!);
    const object = await ctx.aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    await page.setViewportSize({ width: 900, height: 500 });
    await page.setContent(`<body style="margin:0;background:#fff">${await object.Body!.transformToString()}</body>`);
    const chart = page.locator('svg').first();
    expect((await chart.boundingBox())?.width).toBeGreaterThan(300);
    expect(await page.locator('svg path, svg polyline').count()).toBeGreaterThan(0);
    const path = artifactPath('ui', 'loss-chart');
    await chart.screenshot({ path });
    if (process.env.FINETUNE_UPDATE_DOCS_IMAGES) copyFileSync(path, join(DOCS_IMAGES, 'loss-chart.png'));
  } catch (err) {
    // What the page showed when it failed, for whoever reads the test artifacts.
    await page.screenshot({ path: artifactPath('ui', 'failure'), fullPage: true }).catch(() => undefined);
    writeFileSync(artifactPath('ui', 'failure').replace(/\.png$/, '.html'), await page.content().catch(() => ''));
    throw err;
  } finally {
    await page.close();
  }
}, 180_000);
