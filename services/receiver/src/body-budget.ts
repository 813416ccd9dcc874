/** One request's share of the budget: grows as its body is taken in, given back once. */
export interface BodyHold {
  /** Takes `bytes` more; false (and nothing taken) when the budget has no room for them. */
  grow: (bytes: number) => boolean;
  /** Gives back everything this hold took; later calls do nothing. */
  release: () => void;
}

/** The bytes of request bodies held at once across every request in flight (MAX_BUFFERED_BYTES). */
export interface BodyBudget {
  hold(): BodyHold;
  /** Bytes taken now. */
  held(this: void): number;
}

/**
 * A budget of body bytes: a request takes its declared Content-Length before reading (or its
 * bytes as they come, when it declares none), so the bodies held in memory never add up to more
 * than `max`, whatever clients send or how slowly.
 */
export function createBodyBudget(max: number): BodyBudget {
  let held = 0;
  return {
    held: () => held,
    hold() {
      let mine = 0;
      let released = false;
      return {
        grow(bytes) {
          if (released || held + bytes > max) return false;
          held += bytes;
          mine += bytes;
          return true;
        },
        release() {
          if (released) return;
          released = true;
          held -= mine;
          mine = 0;
        },
      };
    },
  };
}
