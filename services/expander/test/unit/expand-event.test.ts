import { describe, expect, it } from 'vitest';
import {
  envelopeFromFields,
  PermanentError,
  requestIdFor,
  type InstallationLookup,
} from '@solstice/shared';
import type {
  WorkflowAt,
  WorkflowFile,
  WorkflowSource,
} from '../../src/adapters/workflow-source.js';
import { expandEvent, type ExpandDeps } from '../../src/expand-event.js';
import { captureLogger } from '../../../../test/support/log.js';
import { example, type Payload } from '../../../../test/support/payloads.js';
import { SEED_PUSH } from '../../../../test/support/seed-payloads.js';

/** A workflow source that answers from a table and remembers what it was asked. */
function sourceOf(file: WorkflowFile | Error): WorkflowSource & { asked: WorkflowAt[] } {
  const asked: WorkflowAt[] = [];
  return {
    asked,
    read: async (at) => {
      asked.push(at);
      if (file instanceof Error) throw file;
      return file;
    },
  };
}

const push = () => example('push', (p) => p.deleted === false && p.installation !== undefined);

const storedEvent = (payload: Payload | string, over: Record<string, string> = {}) => ({
  delivery: 'd-1',
  hook_id: '123',
  event: 'push',
  content_type: 'application/json',
  body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  received_at: '2024-05-01T12:00:00.000Z',
  ...over,
});

function deps(source: WorkflowSource | undefined) {
  const logs = captureLogger();
  const d: ExpandDeps = {
    source,
    settings: {
      checkName: 'Solstice CI',
      checkSuiteRequested: false,
      runsOn: { default: undefined, map: new Map() },
      limits: { maxBytes: 65_536, maxJobs: 256 },
      forkPullRequests: 'approve',
    },
    jobsStream: 'p:jobs',
    checksStream: 'p:checks',
    log: logs.log,
  };
  return { d, logs };
}

const WORKFLOW = 'workflow { job "build"; job "test"; job "lint"; }';

describe('expanding one stored event', () => {
  it('writes one {P}:jobs entry per job, as envelope fields', async () => {
    const source = sourceOf({ state: 'file', text: WORKFLOW });
    const outputs = await expandEvent(storedEvent(push()), deps(source).d);
    expect(outputs.map((o) => o.stream)).toEqual(['p:jobs', 'p:jobs', 'p:jobs']);
    const envelopes = outputs.map((o) => envelopeFromFields(o.fields));
    expect(envelopes.map((e) => e.job.workflow_job_id)).toEqual(['build', 'test', 'lint']);
    expect(envelopes.every((e) => e.delivery === 'd-1' && e.installation_id === 1)).toBe(true);
    expect(source.asked).toEqual([
      {
        owner: 'Codertocat',
        repo: 'Hello-World',
        sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
        installationId: 1,
      },
    ]);
  });

  it('logs one line per delivery with its event, job count and request ids', async () => {
    const { d, logs } = deps(sourceOf({ state: 'file', text: WORKFLOW }));
    await expandEvent(storedEvent(push()), d);
    const line = logs.lines().find((l) => l.msg === 'event expanded');
    expect(line).toMatchObject({
      delivery: 'd-1',
      event: 'push',
      jobs: 3,
      request_ids: ['build', 'test', 'lint'].map((j) => requestIdFor('d-1', j)),
    });
  });

  it('says which parser read the file', async () => {
    const { d, logs } = deps(sourceOf({ state: 'file', text: 'job "a" enabled=true' }));
    await expandEvent(storedEvent(push()), d);
    expect(logs.lines().find((l) => l.parser)).toMatchObject({
      parser: 'kdl1',
      msg: 'workflow file read as KDL 1',
    });
  });

  it('reads a form-encoded delivery', async () => {
    const body = new URLSearchParams({ payload: JSON.stringify(push()) }).toString();
    const outputs = await expandEvent(
      storedEvent(body, { content_type: 'application/x-www-form-urlencoded' }),
      deps(sourceOf({ state: 'absent' })).d,
    );
    expect(outputs).toHaveLength(1);
  });

  it('gives the single job, with the reason, for a file that cannot be used', async () => {
    const { d, logs } = deps(sourceOf({ state: 'file', text: 'job "../x"' }));
    const [out, ...rest] = await expandEvent(storedEvent(push()), d);
    expect(rest).toEqual([]);
    const envelope = envelopeFromFields(out!.fields);
    expect(envelope.job.workflow_job_id).toBeNull();
    expect(envelope.workflow_error).toMatch(/^\.solstice\/workflow\.kdl: job "\.\.\/x": an id is/);
    expect(logs.lines().some((l) => l.msg === 'workflow file cannot be used')).toBe(true);
  });

  it('reads no workflow without App credentials', async () => {
    const outputs = await expandEvent(storedEvent(push()), deps(undefined).d);
    expect(envelopeFromFields(outputs[0]!.fields)).toMatchObject({
      check_name: 'Solstice CI',
      workflow_error: '',
    });
  });

  it('reads no workflow for an event without an installation, and says why', async () => {
    const source = sourceOf({ state: 'file', text: WORKFLOW });
    const p = example('push', (p) => p.deleted === false && p.installation === undefined);
    const [out] = await expandEvent(storedEvent(p), deps(source).d);
    expect(source.asked).toEqual([]);
    expect(out!.fields.workflow_error).toMatch(/no installation of the GitHub App/);
    expect(out!.fields.installation_id).toBe('');
  });

  describe("an event that names no installation (the design note's minimal payloads)", () => {
    /** An installation lookup that answers from a table and remembers what it was asked. */
    function lookupOf(answer: number | Error): InstallationLookup & { asked: string[] } {
      const asked: string[] = [];
      return {
        asked,
        installationFor: async (owner, repo) => {
          asked.push(`${owner}/${repo}`);
          if (answer instanceof Error) throw answer;
          return answer;
        },
        forget: async () => undefined,
      };
    }

    it("reads the workflow with the App's installation on the repository", async () => {
      const source = sourceOf({ state: 'file', text: WORKFLOW });
      const installations = lookupOf(31);
      const outputs = await expandEvent(storedEvent(SEED_PUSH), {
        ...deps(source).d,
        installations,
      });
      expect(installations.asked).toEqual(['org/repo']);
      expect(source.asked).toEqual([
        { owner: 'org', repo: 'repo', sha: JSON.parse(SEED_PUSH).after, installationId: 31 },
      ]);
      const envelopes = outputs.map((o) => envelopeFromFields(o.fields));
      expect(envelopes.map((e) => [e.job.workflow_job_id, e.installation_id])).toEqual([
        ['build', 31],
        ['test', 31],
        ['lint', 31],
      ]);
    });

    it('gives the single job, saying why, when the App is not installed there', async () => {
      const source = sourceOf({ state: 'file', text: WORKFLOW });
      const installations = lookupOf(
        new PermanentError(
          "GitHub refused to find the App's installation on org/repo: 404 Not Found",
        ),
      );
      const [out, ...rest] = await expandEvent(storedEvent(SEED_PUSH), {
        ...deps(source).d,
        installations,
      });
      expect(rest).toEqual([]);
      expect(source.asked).toEqual([]);
      expect(out!.fields.workflow_error).toBe(
        '.solstice/workflow.kdl: not read: the event names no installation of the GitHub App, ' +
          "and GitHub refused to find the App's installation on org/repo: 404 Not Found",
      );
    });

    it('lets a lookup that may succeed later through, so the entry is retried', async () => {
      const failing = expandEvent(storedEvent(SEED_PUSH), {
        ...deps(sourceOf({ state: 'absent' })).d,
        installations: lookupOf(new Error('502 Bad Gateway')),
      });
      await expect(failing).rejects.toThrow('502 Bad Gateway');
    });
  });

  it('builds nothing for an event it does not take, and logs why', async () => {
    const { d, logs } = deps(sourceOf({ state: 'absent' }));
    const deletion = example('push', (p) => p.deleted === true);
    expect(await expandEvent(storedEvent(deletion), d)).toEqual([]);
    expect(logs.lines().find((l) => l.msg === 'event builds nothing')).toMatchObject({
      delivery: 'd-1',
      jobs: 0,
      reason: 'branch deletion',
    });
  });

  it('throws a PermanentError for a body that is not JSON', async () => {
    const failing = expandEvent(storedEvent('{"after": '), deps(undefined).d);
    await expect(failing).rejects.toBeInstanceOf(PermanentError);
    await expect(failing).rejects.toThrow(/^invalid push payload: not JSON/);
  });

  it('throws a PermanentError for a stored entry without a body', async () => {
    const { body: _body, ...fields } = storedEvent(push());
    await expect(expandEvent(fields, deps(undefined).d)).rejects.toThrow(
      'invalid stored event: no body field',
    );
  });

  it('lets a GitHub failure through, so the entry is retried', async () => {
    const failing = expandEvent(storedEvent(push()), deps(sourceOf(new Error('502'))).d);
    await expect(failing).rejects.toThrow('502');
    await expect(failing).rejects.not.toBeInstanceOf(PermanentError);
  });
});
