/**
 * Politeness for the scanner: at most `concurrency` connections open at once, a total time budget
 * after which no new probe starts, and a progress callback. Pure scheduling over promises: no I/O.
 * @module
 */

/** Runs tasks with bounded concurrency within a time budget. */
export class ProbePool {
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #deadline: number;
  #done = 0;
  #total = 0;
  /** Tasks skipped because the budget ran out. */
  skipped = 0;
  /** Tasks started. */
  started = 0;

  constructor(
    private readonly concurrency: number,
    budgetMs: number,
    private readonly now: () => number,
    private readonly onProgress?: (done: number, total: number, what: string) => void,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be an integer ≥ 1');
    this.#deadline = now() + budgetMs;
  }

  /** Milliseconds left in the budget (≥ 0). */
  get remaining(): number {
    return Math.max(0, this.#deadline - this.now());
  }

  /**
   * Run `task` when a slot is free; `undefined` without running it when the budget is spent.
   * A task's rejection is passed on.
   */
  async run<T>(what: string, task: () => Promise<T>): Promise<T | undefined> {
    this.#total++;
    if (this.#active >= this.concurrency) await new Promise<void>((r) => this.#waiting.push(r));
    this.#active++;
    try {
      if (this.remaining === 0) {
        this.skipped++;
        return undefined;
      }
      this.started++;
      return await task();
    } finally {
      this.#active--;
      this.#done++;
      this.onProgress?.(this.#done, this.#total, what);
      this.#waiting.shift()?.();
    }
  }
}
