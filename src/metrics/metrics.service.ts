import { Injectable } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { sharedWhileRunning } from '../common/shared-while-running.util.js';

/**
 * The three outcomes operators watch, each a condition on history rows. A return is always an officer's own
 * decision, recorded as `decided` with its outcome: a step is never closed as returned by a consequence.
 */
const OUTCOMES = {
  deemed: "type = 'deemed_approved'",
  rule: "type = 'rule_approved'",
  returned: "type = 'decided' AND detail->>'outcome' = 'return'",
} as const;

/** History types of a deadline acted on. */
const TIMEOUT_TYPES = new Set(['deemed_approved', 'rejected_on_timeout', 'escalated']);

/** The pg pool TypeORM keeps (its driver's `master`); only the counters we read. */
interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * Prometheus metrics, one registry per app (tests run several apps in one process). What lives in the database
 * (applications, open steps, outcomes) and in the queues (registered by the timers folder) is read when Prometheus scrapes, one cheap query each,
 * so every process reports the same deployment-wide figures; what happens in a process (requests, the event path,
 * deadline lateness) is observed as it happens.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();
  private readonly scrape = sharedWhileRunning(() => this.registry.metrics());

  private readonly requestDuration = new Histogram({
    name: 'pa_http_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly eventPathDuration = new Histogram({
    name: 'pa_event_path_duration_seconds',
    help: 'Time an event spends on the event path, from its transition to its rows written, by history type',
    labelNames: ['event'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  private readonly eventRetries = new Counter({
    name: 'pa_event_retries_total',
    help: 'Events read and planned again because another event on the same application was written in between',
    registers: [this.registry],
  });

  private readonly deadlineLateness = new Histogram({
    name: 'pa_deadline_lateness_seconds',
    help: 'How long after its due time a step was acted on by its deadline (deemed approval, refusal, escalation)',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30, 60, 300],
    registers: [this.registry],
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.scrapeTimeGauges();
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('onResponse', (request, reply, done) => {
      // The route template (`/api/v1/applications/:id`), never the raw URL: ids would make a series each.
      const route = request.routeOptions.url ?? 'unmatched';
      this.requestDuration.observe(
        { method: request.method, route, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }

  /** An event's write found its application changed since the read, and the event is planned again. */
  observeEventRetry(): void {
    this.eventRetries.inc();
  }

  /** How many events of this process wait for an earlier one on their application, read at each scrape. */
  gaugeEventsWaiting(read: () => number): void {
    new Gauge({
      name: 'pa_events_waiting',
      help: 'Events of this process waiting for an earlier event on the same application to be written',
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** Each business calendar's days of holiday data left after today, read at each scrape. */
  gaugeCalendarDataLeft(read: () => ReadonlyMap<string, number>): void {
    new Gauge({
      name: 'pa_calendar_data_days_left',
      help: "Days after today (in the calendar's zone) that a business calendar's holiday data still covers; negative once it has run out",
      labelNames: ['calendar'] as const,
      registers: [this.registry],
      collect() {
        for (const [calendar, days] of read()) this.set({ calendar }, days);
      },
    });
  }

  /**
   * What the event path wrote for one event: its time on the path (since the plan's clock, taken before the
   * write) by the type of its first history entry, and, for a deadline acted on, how late after the due time.
   */
  observePlan(plan: {
    history: readonly { type: string; at: Date; step: string | null }[];
    updateTasks: readonly { step: string; dueAt: Date }[];
  }): void {
    const first = plan.history[0];
    if (first === undefined) return;
    this.observeEventPath(first.type, first.at);
    if (TIMEOUT_TYPES.has(first.type)) {
      const task = plan.updateTasks.find((row) => row.step === first.step);
      if (task !== undefined) {
        this.deadlineLateness.observe(Math.max(0, first.at.getTime() - task.dueAt.getTime()) / 1000);
      }
    }
  }

  /** One event's time on the event path, `since` the moment its transition began. */
  observeEventPath(event: string, since: Date): void {
    this.eventPathDuration.observe({ event }, Math.max(0, Date.now() - since.getTime()) / 1000);
  }

  /** A deadline acted on now for a step that was due at `dueAt`. */
  observeDeadlineLateness(dueAt: Date): void {
    this.deadlineLateness.observe(Math.max(0, Date.now() - dueAt.getTime()) / 1000);
  }

  /**
   * Scrapes that arrive while one is under way share its answer. Each reads whole tables, and `/metrics` is outside
   * the rate limits (and open without METRICS_TOKEN): a burst of them would otherwise hold as many of the pool's
   * connections as it sent requests, and every other request would wait for one.
   */
  metrics(): Promise<string> {
    return this.scrape();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private scrapeTimeGauges(): void {
    const registers = [this.registry];
    const query = <T>(sql: string): Promise<T[]> => this.dataSource.query(sql);

    // First: a scrape collects in the order of registration, and the gauges below ask the pool for a connection as
    // they start, so read after them the pool would count the scrape's own queries as callers waiting for one.
    const dataSource = this.dataSource;
    new Gauge({
      name: 'pa_db_pool_connections',
      help: 'Database pool connections of this process: total, idle, and callers waiting for one',
      labelNames: ['state'] as const,
      registers,
      collect() {
        const pool = (dataSource.driver as unknown as { master?: PgPool }).master;
        if (pool === undefined) return;
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });

    new Gauge({
      name: 'pa_applications',
      help: 'Applications by workflow and status',
      labelNames: ['workflow', 'status'] as const,
      registers,
      async collect() {
        const rows = await query<{ workflow: string; status: string; n: string }>(
          'SELECT workflow_key AS workflow, status, count(*) AS n FROM applications GROUP BY 1, 2',
        );
        this.reset();
        for (const row of rows) this.set({ workflow: row.workflow, status: row.status }, Number(row.n));
      },
    });

    // Both gauges come from one query; a scrape collects them together, so they share its answer.
    let steps: Promise<{ department: string; open: string; overdue: string }[]> | undefined;
    const openSteps = () =>
      (steps ??= query<{ department: string; open: string; overdue: string }>(
        `SELECT department, count(*) AS open, count(*) FILTER (WHERE overdue OR due_at < now()) AS overdue
           FROM tasks WHERE status = 'open' GROUP BY department`,
      ).finally(() => setImmediate(() => (steps = undefined))));
    for (const [name, help, column] of [
      ['pa_open_steps', 'Open steps by department', 'open'],
      [
        'pa_overdue_steps',
        'Open steps past their due time (escalated or not yet acted on), by department',
        'overdue',
      ],
    ] as const) {
      new Gauge({
        name,
        help,
        labelNames: ['department'] as const,
        registers,
        async collect() {
          const rows = await openSteps();
          this.reset();
          for (const row of rows) this.set({ department: row.department }, Number(row[column]));
        },
      });
    }

    new Counter({
      name: 'pa_step_outcomes_total',
      help: 'Steps deemed approved (time ran out), approved by rule, and returned for correction, from the history',
      labelNames: ['outcome'] as const,
      registers,
      async collect() {
        const [row] = await query<Record<keyof typeof OUTCOMES, string>>(
          `SELECT ${Object.entries(OUTCOMES)
            .map(([outcome, where]) => `count(*) FILTER (WHERE ${where}) AS ${outcome}`)
            .join(', ')} FROM history WHERE ${Object.values(OUTCOMES)
            .map((where) => `(${where})`)
            .join(' OR ')}`,
        );
        this.reset();
        for (const outcome of Object.keys(OUTCOMES) as (keyof typeof OUTCOMES)[]) {
          this.inc({ outcome }, Number(row?.[outcome] ?? 0));
        }
      },
    });
  }
}
