import { describe, expect, it } from 'vitest';
import { groupIdFor, requestIdFor } from '@solstice/shared';

describe('deterministic ids', () => {
  it('gives the same request_id for the same delivery and job, and another for another job', () => {
    const a = requestIdFor('d-1', 'build');
    expect(requestIdFor('d-1', 'build')).toBe(a);
    expect(requestIdFor('d-1', 'test')).not.toBe(a);
    expect(requestIdFor('d-2', 'build')).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives one group_id per delivery, distinct from its request ids', () => {
    expect(groupIdFor('d-1')).toBe(groupIdFor('d-1'));
    expect(groupIdFor('d-1')).not.toBe(groupIdFor('d-2'));
    expect(groupIdFor('d-1')).not.toBe(requestIdFor('d-1', ''));
  });
});
