/**
 * What a run must undo (stop processes, drop a schema, delete a bucket), newest first. Steps are
 * registered before the thing they undo is made, so a failure or a Ctrl-C halfway through still
 * cleans up; a failing step is reported and the others still run.
 */
export class Teardown {
  private readonly steps: { what: string; undo: () => Promise<unknown> }[] = [];

  add(what: string, undo: () => Promise<unknown>): void {
    this.steps.push({ what, undo });
  }

  /** Runs every step registered so far (each once, even when run() is called again meanwhile). */
  async run(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.undo();
      } catch (error) {
        console.error(`cleanup: ${step.what} failed: ${(error as Error).message}`);
      }
    }
  }
}
