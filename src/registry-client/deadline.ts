/** A request's abort signal: the caller's signal and a deadline, whichever ends first. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Stops the clock (a streamed body started); the caller's signal still aborts it. */
  stopClock(): void;
  /** Stops the clock and lets go of the caller's signal (the exchange is over). */
  stop(): void;
}

/**
 * Starts a deadline of `ms` (none when undefined) joined with the caller's signal. Hand-made
 * rather than AbortSignal.timeout so the clock can be stopped once a streamed body starts:
 * a blob download may rightly outlive the deadline for its headers.
 */
export function startDeadline(ms: number | undefined, caller: AbortSignal | undefined): Deadline {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(caller?.reason);
  if (caller?.aborted) controller.abort(caller.reason);
  else caller?.addEventListener('abort', onAbort, { once: true });
  const timer =
    ms === undefined
      ? undefined
      : setTimeout(() => controller.abort(new DOMException(`deadline of ${ms} ms passed`, 'TimeoutError')), ms);
  const stopClock = (): void => {
    if (timer !== undefined) clearTimeout(timer);
  };
  return {
    signal: controller.signal,
    stopClock,
    // A long-lived caller signal (a service's shutdown signal) must not collect a listener per call.
    stop: () => {
      stopClock();
      caller?.removeEventListener('abort', onAbort);
    },
  };
}
