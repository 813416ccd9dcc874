import { describe, expect, it } from 'vitest';
import { nextCursorOf } from '../../../src/recovery/hook-deliveries.js';

describe('nextCursorOf (the Link header of GET /app/hook/deliveries)', () => {
  it('takes the cursor of the rel="next" URL', () => {
    const link =
      '<https://api.github.com/app/hook/deliveries?per_page=100&cursor=v1_12077215967>; rel="next"';
    expect(nextCursorOf(link)).toBe('v1_12077215967');
  });

  it('finds rel="next" among other relations', () => {
    const link =
      '<https://api.github.com/app/hook/deliveries?cursor=v1_9&per_page=2>; rel="prev", ' +
      '<https://api.github.com/app/hook/deliveries?cursor=v1_5&per_page=2>; rel="next"';
    expect(nextCursorOf(link)).toBe('v1_5');
  });

  it('says there is no next page when there is no header or no rel="next"', () => {
    expect(nextCursorOf(undefined)).toBeUndefined();
    expect(
      nextCursorOf('<https://api.github.com/app/hook/deliveries?cursor=v1_9>; rel="prev"'),
    ).toBeUndefined();
  });
});
