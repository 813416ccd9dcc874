import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorMessage, type Logger } from '@solstice/shared';

/** Copies a job's log from the orchestrator to S3; the link, or undefined when it could not. */
export interface LogUploader {
  upload(requestId: string, log: Logger): Promise<string | undefined>;
}

export interface LogUploaderOptions {
  s3: S3Client;
  bucket: string;
  /** Base of the link put in the Check Run. */
  publicBaseUrl: string;
  /** The orchestrator: GET <logsBaseUrl>/jobs/<request_id>/logs */
  logsBaseUrl: string;
  timeoutMs?: number;
  maxBytes?: number;
  fetch?: typeof fetch;
}

export const logKeyFor = (requestId: string) => `logs/${requestId}.log`;

/** Never throws: a log that cannot be copied is logged and the result is reported without it. */
export function createLogUploader(o: LogUploaderOptions): LogUploader {
  const timeoutMs = o.timeoutMs ?? 15_000;
  const maxBytes = o.maxBytes ?? 64 * 1024 * 1024;
  const get = o.fetch ?? fetch;
  return {
    async upload(requestId, log) {
      const source = `${o.logsBaseUrl}/jobs/${requestId}/logs`;
      const key = logKeyFor(requestId);
      try {
        const res = await get(source, { signal: AbortSignal.timeout(timeoutMs) });
        if (!res.ok) {
          log.warn({ source, status: res.status }, 'job log not available; not uploaded');
          await res.body?.cancel();
          return undefined;
        }
        const body = Buffer.from(await res.arrayBuffer());
        if (body.length > maxBytes) {
          log.warn({ source, bytes: body.length, maxBytes }, 'job log too large; not uploaded');
          return undefined;
        }
        await o.s3.send(
          new PutObjectCommand({
            Bucket: o.bucket,
            Key: key,
            Body: body,
            ContentType: 'text/plain; charset=utf-8',
          }),
          { abortSignal: AbortSignal.timeout(timeoutMs) },
        );
        log.info({ bucket: o.bucket, key, bytes: body.length }, 'job log uploaded');
        return `${o.publicBaseUrl}/${key}`;
      } catch (err) {
        log.warn(
          { source, bucket: o.bucket, key, err: errorMessage(err) },
          'job log upload failed; the result is reported without it',
        );
        return undefined;
      }
    },
  };
}
