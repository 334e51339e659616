import type { JobQueue, PlannedJob, TaskJobData } from '../engine/plan.types.js';
import type { QueueService } from '../queue/queue.service.js';

export type { TaskJobData };

/**
 * How far ahead timer jobs are enqueued: beyond two sweeps (and a minute's slack) the sweep brings them in as they
 * come near, so a step due in five working days costs the queue nothing today.
 */
export function timerHorizon(now: Date, sweepIntervalMs: number): Date {
  return new Date(now.getTime() + 2 * sweepIntervalMs + 60_000);
}

/** One `addBulk` per queue: QueueService chooses how a batch of its size is cheapest added. */
export async function enqueue(queues: QueueService, jobs: PlannedJob[]): Promise<void> {
  const byQueue = new Map<JobQueue, PlannedJob[]>();
  for (const job of jobs) byQueue.set(job.queue, [...(byQueue.get(job.queue) ?? []), job]);
  await Promise.all(
    [...byQueue].map(([queue, list]) =>
      queues.addBulk(
        queue,
        list.map((job) => ({ id: job.id, data: { ...job.data }, runAt: job.runAt })),
      ),
    ),
  );
}
