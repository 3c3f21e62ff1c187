/**
 * Time for the simulated device. athenad's behaviour is all timeouts (30 s socket reads, 70 s without PING,
 * backoff sleeps), so tests drive a ManualClock to play minutes of device time in milliseconds; the CLI and the
 * benches use the real clock.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export function sleep(clock: Clock, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

interface ManualTimer {
  due: number;
  seq: number;
  fn: () => void;
}

/** Time moves only when a test calls advance(); timers fire in order, with their callbacks' promises settled. */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Set<ManualTimer>();

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { due: this.t + Math.max(0, ms), seq: ++this.seq, fn };
    this.timers.add(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as ManualTimer);
  }

  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      const next = [...this.timers].filter((x) => x.due <= target).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (!next) break;
      this.timers.delete(next);
      this.t = next.due;
      next.fn();
      await settle();
    }
    this.t = target;
    await settle();
  }
}

/** Lets chains of promise callbacks run to completion. */
async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
