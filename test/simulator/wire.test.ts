// The wire itself, over raw HTTP and through the SDK: authentication, request ids, error shapes, unknown
// routes, malformed bodies, wrong types, URL-encoded identifiers, RFC 3339 timestamps.
import {
  AccessDeniedException,
  BedrockClient,
  BedrockServiceException,
  CreateModelCustomizationJobCommand,
  GetCustomModelCommand,
  GetModelCustomizationJobCommand,
  ResourceNotFoundException,
  ValidationException,
} from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import { bedrockClient, DATASETS, jobRequest, promptCompletionLines, putText, s3Client, unique } from './helpers';

// Jest applies testTimeout only globally, not per project: these tests wait on simulated jobs.
jest.setTimeout(60_000);

const endpoint = () => process.env.AWS_ENDPOINT_URL_BEDROCK!;
/** A SigV4-shaped Authorization header: the simulator checks its form and scope, not the signature. */
const signed = {
  authorization:
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc123',
  'x-amz-date': '20260101T000000Z',
  'content-type': 'application/json',
};

async function raw(method: string, path: string, body?: string, headers: Record<string, string> = signed) {
  const res = await fetch(`${endpoint()}${path}`, { method, headers, body });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}

let bedrock: BedrockClient;
let s3: S3Client;
let trainingUri: string;

beforeAll(async () => {
  bedrock = bedrockClient();
  s3 = s3Client();
  trainingUri = await putText(s3, DATASETS, `simulator-tests/${unique('wire')}.jsonl`, promptCompletionLines(5));
});

afterAll(() => {
  bedrock.destroy();
  s3.destroy();
});

describe('authentication', () => {
  test('a request without Authorization is refused as Bedrock refuses it', async () => {
    const res = await raw('GET', '/foundation-models', undefined, {});
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toMatch(/^AccessDeniedException(:|$)/);
    expect(res.json).toEqual({ message: 'Authorization header is missing' });
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('the SDK sees AccessDeniedException when it sends no signature', async () => {
    const unsigned = new BedrockClient({ region: 'us-east-1', endpoint: endpoint(), maxAttempts: 1 });
    type Args = { request: { headers: Record<string, string> } };
    const dropAuthorization = (next: (args: Args) => Promise<unknown>) => (args: Args) => {
      delete args.request.headers.authorization;
      return next(args);
    };
    unsigned.middlewareStack.addRelativeTo(
      dropAuthorization as unknown as Parameters<typeof unsigned.middlewareStack.addRelativeTo>[0],
      { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'dropAuthorization' },
    );
    try {
      await expect(unsigned.send(new GetModelCustomizationJobCommand({ jobIdentifier: 'x' }))).rejects.toBeInstanceOf(
        AccessDeniedException,
      );
    } finally {
      unsigned.destroy();
    }
  });

  test('a non-SigV4 header is an incomplete signature; a credential scoped elsewhere is invalid', async () => {
    const bearer = await raw('GET', '/foundation-models', undefined, { authorization: 'Bearer abc' });
    expect(bearer.status).toBe(403);
    expect(bearer.headers.get('x-amzn-errortype')).toBe('IncompleteSignatureException');
    const wrongService = await raw('GET', '/foundation-models', undefined, {
      ...signed,
      authorization: signed.authorization.replace('/bedrock/', '/s3/'),
    });
    expect(wrongService.status).toBe(403);
    expect(wrongService.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
    const wrongRegion = await raw('GET', '/foundation-models', undefined, {
      ...signed,
      authorization: signed.authorization.replace('us-east-1', 'eu-west-1'),
    });
    expect(wrongRegion.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  });

  test('any access key is accepted', async () => {
    const other = new BedrockClient({
      region: 'us-east-1',
      endpoint: endpoint(),
      credentials: { accessKeyId: 'ANYKEY', secretAccessKey: 'anything' },
    });
    try {
      const out = await other
        .send(new GetCustomModelCommand({ modelIdentifier: 'no-such-model' }))
        .catch((e: unknown) => e);
      expect(out).toBeInstanceOf(ResourceNotFoundException);
    } finally {
      other.destroy();
    }
  });
});

describe('unknown routes and malformed requests', () => {
  test('an unknown path or method is UnknownOperationException (404), in JSON', async () => {
    for (const [method, path] of [
      ['GET', '/no-such-thing'],
      ['PUT', '/model-customization-jobs'],
      ['DELETE', '/model-customization-jobs/x'],
      ['GET', '/'],
    ]) {
      const res = await raw(method, path);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
      expect(typeof res.json?.message).toBe('string');
    }
  });

  test('malformed JSON and members of the wrong type are SerializationException (400)', async () => {
    const broken = await raw('POST', '/model-customization-jobs', '{"jobName": ');
    expect(broken.status).toBe(400);
    expect(broken.headers.get('x-amzn-errortype')).toBe('SerializationException');
    const notObject = await raw('POST', '/model-customization-jobs', '[1,2]');
    expect(notObject.headers.get('x-amzn-errortype')).toBe('SerializationException');
    const wrongType = await raw(
      'POST',
      '/model-customization-jobs',
      JSON.stringify({ ...jobRequest(trainingUri), jobName: 42 }),
    );
    expect(wrongType.status).toBe(400);
    expect(wrongType.headers.get('x-amzn-errortype')).toBe('SerializationException');
    expect(wrongType.json?.message).toContain("'jobName'");
    const wrongNested = await raw(
      'POST',
      '/model-customization-jobs',
      JSON.stringify({ ...jobRequest(trainingUri), hyperParameters: { epochCount: 2 } }),
    );
    expect(wrongNested.json?.message).toContain('hyperParameters.epochCount');
    const badQuery = await raw('GET', '/model-customization-jobs?maxResults=ten');
    expect(badQuery.headers.get('x-amzn-errortype')).toBe('SerializationException');
  });

  test('missing members are reported together, Coral style', async () => {
    const res = await raw('POST', '/model-customization-jobs', '{}');
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('ValidationException');
    expect(res.json?.message).toMatch(
      /^6 validation errors detected: Value null at 'jobName' failed to satisfy constraint: Member must not be null; /,
    );
  });

  test('an unknown error shape reaches the SDK as a BedrockServiceException named after it', async () => {
    const err = await bedrock
      .send(new GetModelCustomizationJobCommand({ jobIdentifier: '-bad-name' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationException);
    expect(err).toBeInstanceOf(BedrockServiceException);
  });
});

describe('identifiers and timestamps', () => {
  test('a job ARN arrives percent-encoded in the path and is decoded; the name works too', async () => {
    const request = jobRequest(trainingUri);
    const { jobArn } = await bedrock.send(new CreateModelCustomizationJobCommand(request));
    const encoded = await raw('GET', `/model-customization-jobs/${encodeURIComponent(jobArn!)}`);
    expect(encoded.status).toBe(200);
    expect(encoded.json?.jobArn).toBe(jobArn);
    // A client that leaves the slashes of the ARN unencoded still reaches the job.
    const unencoded = await raw('GET', `/model-customization-jobs/${jobArn!.replace(/:/g, '%3A')}`);
    expect(unencoded.json?.jobArn).toBe(jobArn);
    const byName = await raw('GET', `/model-customization-jobs/${request.jobName}`);
    expect(byName.json?.jobArn).toBe(jobArn);
    // Timestamps are RFC 3339 strings, not epoch numbers.
    for (const key of ['creationTime', 'lastModifiedTime']) {
      expect(byName.json?.[key]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    }
  });

  test('a job ARN of another shape, or a name that breaks the pattern, is a ValidationException', async () => {
    const res = await raw(
      'GET',
      `/model-customization-jobs/${encodeURIComponent('arn:aws:bedrock:us-east-1:123456789012:custom-model/x')}`,
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('ValidationException');
  });

  test('creationTime filters accept RFC 3339 with or without fractional seconds', async () => {
    for (const t of ['2020-01-01T00:00:00Z', '2020-01-01T00:00:00.000Z', '2020-01-01T01:00:00+01:00']) {
      const res = await raw('GET', `/model-customization-jobs?creationTimeAfter=${encodeURIComponent(t)}&maxResults=1`);
      expect(res.status).toBe(200);
      expect(res.json?.modelCustomizationJobSummaries).toHaveLength(1);
    }
  });
});
