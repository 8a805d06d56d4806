// Errors as Bedrock sends them: an HTTP status per error shape (service model, reference 1.3), the shape
// name in `X-Amzn-Errortype`, and `{"message": ...}` in the body. Everything the simulator refuses is
// an ApiError; anything else that escapes a handler becomes an InternalServerException.

/** Status per error shape. The last four are not Bedrock shapes but what AWS's front door answers. */
export const ERROR_STATUS = {
  ValidationException: 400,
  ConflictException: 400,
  ServiceQuotaExceededException: 400,
  TooManyTagsException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ThrottlingException: 429,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
  // bedrock-runtime: the model failed on this request (originalStatusCode, resourceName), or is not ready.
  ModelErrorException: 424,
  ModelNotReadyException: 429,
  // Malformed JSON or a member of the wrong JSON type (AWS's Coral front end answers these).
  SerializationException: 400,
  // A path and method that name no operation.
  UnknownOperationException: 404,
  // An Authorization header that is not a SigV4 one.
  IncompleteSignatureException: 403,
  InvalidSignatureException: 403,
} as const;

export type ErrorShape = keyof typeof ERROR_STATUS;

export class ApiError extends Error {
  constructor(
    readonly shape: ErrorShape,
    message: string,
    /** Extra members of the error body (TooManyTagsException's resourceName, ModelErrorException's originalStatusCode). */
    readonly members: Record<string, string | number> = {},
    /**
     * The X-Amzn-Errortype value when it should differ from the shape name: AWS's front end sends
     * legacy `Shape:http://internal.amazon.com/coral/...` values, which every SDK must sanitize.
     */
    readonly errorTypeHeader: string = shape,
  ) {
    super(message);
    this.name = shape;
  }

  get status(): number {
    return ERROR_STATUS[this.shape];
  }
}

export const validation = (message: string) => new ApiError('ValidationException', message);
export const notFound = (message: string) => new ApiError('ResourceNotFoundException', message);
export const conflict = (message: string) => new ApiError('ConflictException', message);
export const serialization = (message: string) => new ApiError('SerializationException', message);

/**
 * Collects constraint violations of modelled members and reports them the way AWS's Coral front end
 * does: "2 validation errors detected: Value 'x' at 'jobName' failed to satisfy constraint: Member
 * must ...; Value null at 'roleArn' failed to satisfy constraint: Member must not be null".
 */
export class Violations {
  private readonly items: string[] = [];

  add(path: string, value: unknown, constraint: string): void {
    this.items.push(
      `Value ${describeValue(value)} at '${path}' failed to satisfy constraint: Member must ${constraint}`,
    );
  }

  missing(path: string): void {
    this.add(path, null, 'not be null');
  }

  get count(): number {
    return this.items.length;
  }

  throwIfAny(): void {
    if (this.items.length === 0) return;
    const n = this.items.length;
    throw validation(`${n} validation error${n === 1 ? '' : 's'} detected: ${this.items.join('; ')}`);
  }
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return `'${value.length > 200 ? `${value.slice(0, 200)}...` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return `'${String(value)}'`;
  if (Array.isArray(value)) return `'[${value.length} items]'`;
  return `'${JSON.stringify(value).slice(0, 200)}'`;
}
