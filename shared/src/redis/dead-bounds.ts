/** How much a dead stream keeps: the newest `maxLen` entries, none older than `maxAgeMs`. */
export interface DeadBounds {
  maxLen: number;
  maxAgeMs: number;
}
