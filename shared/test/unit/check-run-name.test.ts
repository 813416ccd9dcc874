import { describe, expect, it } from 'vitest';
import { checkRunName, jobIdOfCheckRun } from '@solstice/shared';

describe('the Check Run name `<GITHUB_CHECK_NAME> / <job id>`', () => {
  it('names a workflow job, or the single job without a workflow', () => {
    expect(checkRunName('Solstice CI', 'build')).toBe('Solstice CI / build');
    expect(checkRunName('Solstice CI', null)).toBe('Solstice CI');
  });

  it('reads the job back from a run name, and no job from a run that is not ours', () => {
    expect(jobIdOfCheckRun('Solstice CI', 'Solstice CI / build')).toBe('build');
    expect(jobIdOfCheckRun('Solstice CI', 'Solstice CI')).toBeNull();
    expect(jobIdOfCheckRun('Solstice CI', 'Other CI / build')).toBeUndefined();
    expect(jobIdOfCheckRun('Solstice CI', 'Solstice CIx')).toBeUndefined();
  });

  it('reads back every name it gives', () => {
    for (const jobId of ['build', 'a / b', null])
      expect(jobIdOfCheckRun('CI', checkRunName('CI', jobId))).toBe(jobId);
  });
});
