// `finetune examples list|upload`: the sample requests and datasets in examples/. Each example folder
// holds request.json and a data/ folder that mirrors its S3 prefix: data/<path> goes to
// s3://<bucket the request reads>/examples/<name>/<path>. Upload checks that every object the request
// reads was among the files, so a renamed file fails here and not in a job.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { createS3Client } from '../aws/clients';
import { loadAwsConfig } from '../config';
import { parseS3Uri } from '../core/bedrock-patterns';
import type { FineTuneRequest } from '../core/request';
import { fields, printJson, table } from './format';
import { UsageError } from './exit-codes';
import { readRequestFile } from './session';

/** The examples folder of the package: two folders up from both src/cli and dist/cli. */
export const EXAMPLES_DIR = resolve(__dirname, '..', '..', 'examples');

export interface Example {
  name: string;
  dir: string;
  requestFile: string;
  request: FineTuneRequest;
}

export interface UploadedObject {
  file: string;
  uri: string;
  bytes: number;
}

/** Every folder of `dir` that holds a request.json, by name. */
export async function loadExamples(dir = EXAMPLES_DIR): Promise<Example[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const examples: Example[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const requestFile = join(dir, entry.name, 'request.json');
    const request = await readRequestFile(requestFile).catch((err: unknown) => {
      if (err instanceof UsageError && err.message.includes('no such file')) return undefined;
      throw err;
    });
    if (request) examples.push({ name: entry.name, dir: join(dir, entry.name), requestFile, request });
  }
  return examples;
}

/**
 * What the request reads: training data (a file, or an invocation-log prefix), validation files, and a
 * promotion's evaluation prompts.
 */
export function inputUris(request: FineTuneRequest): { objects: string[]; prefixes: string[] } {
  const training = request.trainingDataConfig;
  const logs = training.invocationLogsConfig?.invocationLogSource.s3Uri;
  const evaluation = request.orchestration?.promotion?.evaluation.dataset;
  return {
    objects: [
      ...(training.s3Uri ? [training.s3Uri] : []),
      ...(request.validationDataConfig?.validators ?? []).map((v) => v.s3Uri),
      ...(evaluation ? [evaluation] : []),
    ],
    prefixes: logs ? [logs] : [],
  };
}

/** Every file below `dir` (none when it does not exist), sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? filesUnder(join(dir, e.name)) : Promise.resolve(e.isFile() ? [join(dir, e.name)] : []),
    ),
  );
  return nested.flat().sort();
}

/** Where each data file goes, without uploading anything. */
export async function exampleObjects(example: Example): Promise<{ file: string; uri: string }[]> {
  const { objects, prefixes } = inputUris(example.request);
  const { bucket } = parseS3Uri([...objects, ...prefixes][0]);
  const dataDir = join(example.dir, 'data');
  return (await filesUnder(dataDir)).map((file) => ({
    file,
    uri: `s3://${bucket}/examples/${example.name}/${relative(dataDir, file).split(sep).join('/')}`,
  }));
}

export async function uploadExample(s3: S3Client, example: Example): Promise<UploadedObject[]> {
  const planned = await exampleObjects(example);
  const uris = new Set(planned.map((p) => p.uri));
  const { objects, prefixes } = inputUris(example.request);
  const missing = [
    ...objects.filter((uri) => !uris.has(uri)),
    ...prefixes.filter((prefix) => !planned.some((p) => p.uri.startsWith(prefix))),
  ];
  if (missing.length > 0) {
    throw new UsageError(
      `Example ${example.name}: its request reads ${missing.join(', ')}, but no file under ${join(example.dir, 'data')} goes there.`,
    );
  }
  const uploaded: UploadedObject[] = [];
  for (const { file, uri } of planned) {
    const body = await readFile(file);
    const { bucket, key } = parseS3Uri(uri);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    uploaded.push({ file, uri, bytes: body.length });
  }
  return uploaded;
}

/** The named examples (all when none is named); an unknown name is a usage error. */
export function pickExamples(all: Example[], names: string[]): Example[] {
  const unknown = names.filter((n) => !all.some((e) => e.name === n));
  if (unknown.length > 0)
    throw new UsageError(`No example named ${unknown.join(', ')}; there are: ${all.map((e) => e.name).join(', ')}.`);
  return names.length === 0 ? all : all.filter((e) => names.includes(e.name));
}

export function registerExamplesCommand(program: Command): void {
  const examples = program
    .command('examples')
    .description('the sample requests and datasets in examples/: list them, upload their data to S3');

  examples
    .command('list')
    .description('list the examples: customization type, base model and request file')
    .option('--json', 'print them as one JSON object')
    .action(async (flags: { json?: boolean }) => {
      const all = await loadExamples();
      if (flags.json)
        return printJson({ examples: all.map(({ name, requestFile, request }) => ({ name, requestFile, request })) });
      const rows = all.map((e) => [
        e.name,
        e.request.customizationType ?? 'FINE_TUNING',
        e.request.baseModelIdentifier,
        relative(process.cwd(), e.requestFile),
      ]);
      console.log(table(['NAME', 'TYPE', 'BASE MODEL', 'REQUEST'], rows).join('\n'));
    });

  examples
    .command('upload')
    .description("upload the examples' data to the S3 locations their requests read (all examples unless named)")
    .argument('[names...]', 'examples to upload (see `finetune examples list`)')
    .addHelpText(
      'after',
      [
        '',
        'Uses AWS_REGION, AWS_ENDPOINT_URL_S3 and the default credential chain: for the local stack,',
        '`source .local/stack.env` first. Then start one:',
        '  finetune examples upload',
        '  finetune start examples/fine-tuning-conversation/request.json --wait',
      ].join('\n'),
    )
    .action(async (names: string[]) => {
      const chosen = pickExamples(await loadExamples(), names);
      const s3 = createS3Client(loadAwsConfig());
      try {
        for (const example of chosen) {
          const uploaded = await uploadExample(s3, example);
          const total = uploaded.reduce((sum, u) => sum + u.bytes, 0);
          console.log(
            [
              `${example.name}: ${uploaded.length} files, ${total} bytes`,
              ...fields(uploaded.map((u) => ['->', u.uri])),
            ].join('\n'),
          );
        }
      } finally {
        s3.destroy();
      }
    });
}
