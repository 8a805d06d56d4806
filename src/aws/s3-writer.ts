// Streaming writes to S3 with bounded memory: bytes are copied into one part-sized buffer and sent as a
// multipart upload, or as a single PutObject when the whole object fits in one part. Prepared datasets
// can be larger than PutObject's 5 GB and than memory. On failure the multipart upload is aborted; a
// worker killed mid-upload leaves an incomplete upload, which S3's AbortIncompleteMultipartUpload
// lifecycle rule cleans up.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';

/** S3's minimum for every part but the last is 5 MiB. */
export const DEFAULT_PART_BYTES = 8 * 1024 * 1024;

export interface S3WriterOptions {
  contentType?: string;
  partBytes?: number;
  signal?: AbortSignal;
}

export class S3ObjectWriter {
  private readonly part: Uint8Array;
  private used = 0;
  private uploadId?: string;
  private readonly parts: CompletedPart[] = [];
  /** Bytes written so far. */
  bytes = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private readonly options: S3WriterOptions = {},
  ) {
    this.part = new Uint8Array(options.partBytes ?? DEFAULT_PART_BYTES);
  }

  /** Copies `bytes`: the caller may reuse its buffer as soon as this returns. */
  async write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      const n = Math.min(bytes.length - offset, this.part.length - this.used);
      this.part.set(bytes.subarray(offset, offset + n), this.used);
      this.used += n;
      offset += n;
      if (this.used === this.part.length) await this.sendPart();
    }
    this.bytes += bytes.length;
  }

  async end(): Promise<void> {
    const signal = this.options.signal;
    try {
      if (this.uploadId === undefined) {
        const body = this.part.slice(0, this.used);
        await this.s3.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.key,
            Body: body,
            ContentType: this.options.contentType,
          }),
          { abortSignal: signal },
        );
        return;
      }
      if (this.used > 0) await this.sendPart();
      const complete = {
        Bucket: this.bucket,
        Key: this.key,
        UploadId: this.uploadId,
        MultipartUpload: { Parts: this.parts },
      };
      await this.s3.send(new CompleteMultipartUploadCommand(complete), { abortSignal: signal });
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** Gives up an unfinished multipart upload (best effort). */
  async abort(): Promise<void> {
    if (this.uploadId === undefined) return;
    const uploadId = this.uploadId;
    this.uploadId = undefined;
    await this.s3
      .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: uploadId }))
      .catch(() => undefined);
  }

  private async sendPart(): Promise<void> {
    const signal = this.options.signal;
    try {
      if (this.uploadId === undefined) {
        const created = await this.s3.send(
          new CreateMultipartUploadCommand({
            Bucket: this.bucket,
            Key: this.key,
            ContentType: this.options.contentType,
          }),
          { abortSignal: signal },
        );
        this.uploadId = created.UploadId;
      }
      const partNumber = this.parts.length + 1;
      // The part buffer is reused once this upload has completed, so the request gets exactly its bytes.
      const body = this.part.subarray(0, this.used);
      const { ETag } = await this.s3.send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: this.key,
          UploadId: this.uploadId,
          PartNumber: partNumber,
          Body: body,
        }),
        { abortSignal: signal },
      );
      this.parts.push({ ETag, PartNumber: partNumber });
      this.used = 0;
    } catch (err) {
      await this.abort();
      throw err;
    }
  }
}
