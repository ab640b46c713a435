// SPDX-License-Identifier: MIT
// Where a queued run's wall time goes: timestamps of each hop between the coordinator's
// enqueue and the run's files written under DIR/runs/<id>. The worker stamps its hops into the
// job's result (a few numbers, beside the run, never in its files); the coordinator adds
// BullMQ's own stamps and its own, and hands them to whoever asked (the `sweep` bench). All
// stamps are milliseconds since the Unix epoch with sub-millisecond resolution, comparable
// across the threads and processes of one machine.

/** Now, as milliseconds since the Unix epoch (performance.timeOrigin + performance.now()). */
export const stamp = (): number => performance.timeOrigin + performance.now();

/** The run thread's stamps and costs (see thread-main.ts). */
export interface ThreadTimes {
  /** Data, model, scheme and optimizer built: the first step comes next. */
  readonly setUp: number;
  /** Every epoch trained and checkpointed; the outcome is posted. */
  readonly trained: number;
  /** Milliseconds spent writing the scratch checkpoints and taking their snapshots. */
  readonly checkpointMs: number;
}

/** A worker's stamps for one job (JobResult.hops). */
export interface WorkerHops extends Partial<ThreadTimes> {
  /** BullMQ handed the job to the processor. */
  readonly picked: number;
  /** Validated, its folder made, its stored state read: handed to a run thread. */
  readonly posted: number;
  /** Every epoch's save to Redis acknowledged (the run's outcome is known). */
  readonly saved: number;
  /** The final files and result are stored: the processor returns to BullMQ. */
  readonly returned: number;
  /** Milliseconds the epochs' saves to Redis took in all (they overlap training but the last). */
  readonly saveMs: number;
}

/** Every stamp of a collected job: BullMQ's, the worker's and the coordinator's. */
export interface JobTimes extends Partial<WorkerHops> {
  /** The coordinator added the job (BullMQ job.timestamp). */
  readonly added: number;
  /** BullMQ moved it to completed or failed (job.finishedOn). */
  readonly finished?: number;
  /** The coordinator learnt it had finished (its completed event, or a poll). */
  readonly seen: number;
  /** Its files are written under DIR/runs/<id>, the job and its state removed from Redis. */
  readonly collected: number;
}
