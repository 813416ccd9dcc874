import { describe, expect, it } from 'vitest';
import { compareStreamIds, nextStreamId } from '@solstice/shared';

describe('stream ids', () => {
  it('compare numerically, not as text', () => {
    expect(compareStreamIds('9-0', '10-0')).toBe(-1);
    expect(compareStreamIds('10-2', '10-10')).toBe(-1);
    expect(compareStreamIds('10-10', '10-10')).toBe(0);
    expect(compareStreamIds('1700000000000-1', '1700000000000-0')).toBe(1);
  });
  it('step to the next possible id', () => {
    expect(nextStreamId('5-9')).toBe('5-10');
    expect(nextStreamId('18446744073709551615-0')).toBe('18446744073709551615-1');
  });
});
