/**
 * Requests whose answer comes back on the same socket, in order, without a request id (`invite` answered by
 * `invite-created` or an error, `precall-ice` by `precall-ice`). Each waiter is settled once: by its answer,
 * by a timeout, or when the socket goes (the answer can no longer come).
 */
export class PendingReplies<T> {
  private readonly waiting: { settle(value: T): void; timer: ReturnType<typeof setTimeout> | null }[] = [];

  /** Resolves with the next answer, or with `fallback` after `timeoutMs` (none: no timeout) or on `cancelAll`. */
  wait(fallback: T, timeoutMs: number | null = null): Promise<T> {
    return new Promise<T>((resolve) => {
      const entry = {
        timer: null as ReturnType<typeof setTimeout> | null,
        settle: (value: T) => {
          if (entry.timer) clearTimeout(entry.timer);
          resolve(value);
        },
      };
      if (timeoutMs !== null) {
        entry.timer = setTimeout(() => {
          const index = this.waiting.indexOf(entry);
          if (index >= 0) this.waiting.splice(index, 1);
          resolve(fallback);
        }, timeoutMs);
      }
      this.waiting.push(entry);
    });
  }

  /** Settles the oldest waiter; false when nobody was waiting (an answer to a request sent twice). */
  answer(value: T): boolean {
    const entry = this.waiting.shift();
    entry?.settle(value);
    return entry !== undefined;
  }

  cancelAll(value: T): void {
    for (const entry of this.waiting.splice(0)) entry.settle(value);
  }
}
