/** A request's abort signal: the caller's signal and a deadline, whichever ends first. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Stops the clock (the answer arrived); the caller's signal still aborts afterwards. */
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
  return {
    signal: controller.signal,
    stop: () => {
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
