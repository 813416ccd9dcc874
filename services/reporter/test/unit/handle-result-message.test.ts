import { describe, expect, it } from 'vitest';
import { PermanentError, type JobResult } from '@solstice/shared';
import { handleResultMessage } from '../../src/handle-result-message.js';
import { captureLogger } from '../../../../test/support/log.js';

const valid: JobResult = {
  schema_version: 'jobresult.v1',
  request_id: '0b7e6c3e-5a43-5f0e-9d2b-3f1c2a4b5c6d',
  repo_url: 'https://github.com/o/r.git',
  repo_owner: 'o',
  repo_name: 'r',
  commit_sha: 'b'.repeat(40),
  success: true,
  exit_code: 0,
  completed_at: '2025-01-01T00:00:00Z',
};
const body = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('one JobResult message', () => {
  it('is acked once its run shows it', async () => {
    const { log } = captureLogger();
    const seen: JobResult[] = [];
    const d = await handleResultMessage(body(valid), async (r) => (seen.push(r), 'completed'), log);
    expect(d).toEqual({ action: 'ack', outcome: 'completed' });
    expect(seen[0]?.request_id).toBe(valid.request_id);
  });

  it('is dead-lettered with a logged reason when it is not JSON', async () => {
    const { log, lines } = captureLogger();
    const d = await handleResultMessage(body('{"oops"'), async () => 'completed', log);
    expect(d).toMatchObject({ action: 'dead', reason: expect.stringMatching(/not JSON/) });
    expect(lines().at(-1)).toMatchObject({ msg: 'invalid JobResult dead-lettered' });
  });

  it('is dead-lettered naming the bad field, with the request_id it carried', async () => {
    const { log, lines } = captureLogger();
    const d = await handleResultMessage(
      body({ ...valid, success: 'yes' }),
      async () => 'completed',
      log,
    );
    expect(d).toMatchObject({ action: 'dead', reason: expect.stringMatching(/success/) });
    expect(lines().at(-1)).toMatchObject({ request_id: valid.request_id });
  });

  it('is dead-lettered when GitHub refuses it for good, retried otherwise', async () => {
    const { log } = captureLogger();
    const refused = await handleResultMessage(
      body(valid),
      async () => {
        throw new PermanentError('GitHub refused to create a Check Run: 422');
      },
      log,
    );
    expect(refused).toMatchObject({ action: 'dead', reason: expect.stringMatching(/422/) });
    const down = await handleResultMessage(
      body(valid),
      async () => {
        throw Object.assign(new Error('Bad Gateway'), { status: 502 });
      },
      log,
    );
    expect(down).toMatchObject({ action: 'retry' });
  });
});
