import { describe, expect, it } from 'vitest';
import { runsOnFor, type RunsOnSettings } from '../../src/runs-on.js';

const settings: RunsOnSettings = {
  default: 'ubuntu-22.04',
  map: new Map([['octo-org/mapped', 'illumos-mapped']]),
};

const pick = (o: Partial<Parameters<typeof runsOnFor>[0]>) =>
  runsOnFor({ jobRunsOn: null, repository: 'octo-org/other', labels: [], settings, ...o });

describe('runs_on order: job, RUNS_ON_MAP, PR label, RUNS_ON_DEFAULT, null', () => {
  it("takes the job's own runs_on over everything", () => {
    expect(
      pick({ jobRunsOn: 'own', repository: 'octo-org/mapped', labels: ['runs-on:label'] }),
    ).toBe('own');
  });

  it('then the RUNS_ON_MAP entry of the repository, whatever its case', () => {
    expect(pick({ repository: 'Octo-Org/Mapped', labels: ['runs-on:label'] })).toBe(
      'illumos-mapped',
    );
  });

  it('then the first valid pull request label runs-on:<label>', () => {
    expect(
      pick({ labels: ['bug', 'runs-on:bad label', 'Runs-On:omnios:r151046', 'runs-on:x'] }),
    ).toBe('omnios:r151046');
  });

  it('then RUNS_ON_DEFAULT', () => {
    expect(pick({ labels: ['bug', 'runs-on:'] })).toBe('ubuntu-22.04');
  });

  it('else null', () => {
    expect(pick({ settings: { default: undefined, map: new Map() } })).toBeNull();
  });
});
