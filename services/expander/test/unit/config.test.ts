import { describe, expect, it } from 'vitest';
import { ConfigError } from '@solstice/shared';
import { parseRunsOnMap, readExpanderConfig } from '../../src/config.js';

const problemsOf = (env: Record<string, string>, argv: string[] = []): string[] => {
  try {
    readExpanderConfig({ env, argv });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('expander configuration', () => {
  it('has the documented defaults, and no App', () => {
    const c = readExpanderConfig({ env: {} });
    expect(c.stage.metricsAddr).toBe('0.0.0.0:9101');
    expect(c.checkName).toBe('Solstice CI');
    expect(c.runsOn).toEqual({ default: undefined, map: new Map() });
    expect(c.limits).toEqual({ maxBytes: 65_536, maxJobs: 256 });
    expect(c.checkSuiteRequested).toBe(false);
    expect(c.forkPullRequests).toBe('approve');
    expect(c.approvalTtlSeconds).toBe(14 * 86_400);
    expect(c.github.app).toBeUndefined();
    expect(c.github.maxWaitMs).toBe(10_000);
  });

  it('reads FORK_PULL_REQUESTS, and names it in one line when it is not approve, always or never', () => {
    expect(readExpanderConfig({ env: { FORK_PULL_REQUESTS: 'never' } }).forkPullRequests).toBe(
      'never',
    );
    expect(readExpanderConfig({ env: { FORK_PULL_REQUESTS: 'Always' } }).forkPullRequests).toBe(
      'always',
    );
    const problems = problemsOf({ FORK_PULL_REQUESTS: 'yes' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('FORK_PULL_REQUESTS');
    expect(problems[0]).toContain('approve, always, never');
    expect(problems[0]).toContain('yes');
  });

  it('reads every setting from the environment or a flag', () => {
    const c = readExpanderConfig({
      env: {
        GITHUB_CHECK_NAME: 'Illumos CI',
        RUNS_ON_DEFAULT: 'illumos-latest',
        RUNS_ON_MAP: 'octo-org/a=omnios:r151046, Octo-Org/B=x86_64/ubuntu-22.04',
        WORKFLOW_MAX_JOBS: '10',
        CHECK_SUITE_REQUESTED: 'true',
      },
      argv: ['--workflow-max-bytes', '1024'],
    });
    expect(c.checkName).toBe('Illumos CI');
    expect(c.runsOn.default).toBe('illumos-latest');
    expect([...c.runsOn.map]).toEqual([
      ['octo-org/a', 'omnios:r151046'],
      ['octo-org/b', 'x86_64/ubuntu-22.04'],
    ]);
    expect(c.limits).toEqual({ maxBytes: 1024, maxJobs: 10 });
    expect(c.checkSuiteRequested).toBe(true);
  });

  it('stops with one line naming RUNS_ON_MAP and each bad entry', () => {
    expect(problemsOf({ RUNS_ON_MAP: 'octo-org/a=ok,octo-org-b=x,octo-org/c=bad label' })).toEqual([
      expect.stringMatching(
        /^RUNS_ON_MAP: expected comma-separated owner\/repo=label .*got 'octo-org-b=x'$/,
      ),
      expect.stringMatching(/^RUNS_ON_MAP: expected .*got 'octo-org\/c=bad label'$/),
    ]);
    expect(problemsOf({ RUNS_ON_MAP: 'a/b=x,A/B=y' })).toEqual([
      "RUNS_ON_MAP: expected each owner/repo once (A/B repeats), got 'A/B=y'",
    ]);
  });

  it('stops on a bad RUNS_ON_DEFAULT, limit or bool, naming each variable', () => {
    const problems = problemsOf({
      RUNS_ON_DEFAULT: '$(id)',
      WORKFLOW_MAX_BYTES: '2000000',
      WORKFLOW_MAX_JOBS: '0',
      CHECK_SUITE_REQUESTED: 'maybe',
      GITHUB_MAX_WAIT_MS: '3600000',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      [
        'RUNS_ON_DEFAULT',
        'WORKFLOW_MAX_BYTES',
        'WORKFLOW_MAX_JOBS',
        'CHECK_SUITE_REQUESTED',
        'GITHUB_MAX_WAIT_MS',
      ].sort(),
    );
  });

  it('stops when an App id comes without a key', () => {
    expect(problemsOf({ GITHUB_APP_ID: '42' })).toEqual([
      expect.stringMatching(/^GITHUB_APP_KEY_PATH: expected a PEM file/),
    ]);
  });
});

it('parses RUNS_ON_MAP entries, skipping empty ones', () => {
  expect(parseRunsOnMap(' a/b = x ,, c/d=y ')).toEqual({
    map: new Map([
      ['a/b', 'x'],
      ['c/d', 'y'],
    ]),
    bad: [],
  });
});
