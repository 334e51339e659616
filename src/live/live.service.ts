import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, MoreThan } from 'typeorm';
import { ApplicationEntity } from '../applications/application.entity.js';
import { ApplicationsService } from '../applications/applications.service.js';
import { HistoryEntity } from '../audit/history.entity.js';
import { departmentsOf } from '../auth/caller.js';
import type { Caller } from '../auth/caller.js';
import { TooManyRequestsException } from '../common/domain.exception.js';
import { APP_CONFIG } from '../config/app-config.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import { FINAL_STATUSES } from '../engine/plan.util.js';
import { TasksService } from '../tasks/tasks.service.js';
import { HISTORY_CHANNEL, PgListenerService, TASKS_CHANNEL } from '../notify/pg-listener.service.js';
import type { InboxReadyDto, StreamEndDto, TaskWithheldDto } from './live.dto.js';
import { SseStream } from './sse-stream.util.js';
import type { StreamTarget } from './sse-stream.util.js';
import { sseEvent } from './sse.util.js';

/** Every final status ends a stream, a lapse included (the engine's list, so a new one cannot be missed). */
const isFinal = (status: string) => (FINAL_STATUSES as readonly string[]).includes(status);
/** Retry-After for a stream refused past STREAMS_PER_CALLER: streams end when their clients leave. */
const STREAM_RETRY_SECONDS = 10;

const callerKey = (caller: Caller) => `${caller.role}:${caller.id}`;

/** One of a caller's open streams, taken before the stream opens and given back once, when it ends (or never opens). */
export interface StreamSlot {
  release(): void;
}

/** Until when an inbox stream announces changes without their views, its department's read quota used up. */
interface Withholding {
  until: number;
}

/**
 * Server-sent events: the applicant's application (one event per history entry, id = seq) and an officer's
 * inbox. The database announces changes (PgListenerService); each stream then reads what is new from the
 * tables, so the stream is the truth of the tables, in order, whichever process wrote them.
 */
@Injectable()
export class LiveService implements OnModuleDestroy {
  private readonly logger = new Logger(LiveService.name);
  private readonly streams = new Set<SseStream>();
  /** Streams open on this process, per caller (role and subject): STREAMS_PER_CALLER bounds them. */
  private readonly openBy = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly listener: PgListenerService,
    private readonly applications: ApplicationsService,
    private readonly tasks: TasksService,
  ) {}

  /**
   * Checks visibility first (404 as a problem). Answers 'done' when the application is decided and the client
   * has seen everything: the controller then sends 204, which tells an EventSource to stop reconnecting.
   */
  async openApplication(caller: Caller, id: string, after: number): Promise<StreamSlot | 'done'> {
    const slot = this.reserveStream(caller);
    try {
      const application = await this.applications.findVisible(caller, id);
      if (!isFinal(application.status)) return slot;
      const newer = await this.dataSource.manager.countBy(HistoryEntity, {
        applicationId: id,
        seq: MoreThan(after),
      });
      if (newer > 0) return slot;
    } catch (error) {
      slot.release();
      throw error;
    }
    slot.release();
    return 'done';
  }

  async streamApplication(
    { caller, slot, id, after }: { caller: Caller; slot: StreamSlot; id: string; after: number },
    target: StreamTarget,
  ): Promise<void> {
    const stream = this.open({ caller, slot }, target);
    let sent = after;
    const flush = () =>
      stream.serial(
        async () => {
          // Status first: when it is final, every history row of the final transition is already visible.
          const application = await this.dataSource.manager.findOneByOrFail(ApplicationEntity, { id });
          const rows = await this.dataSource.manager.find(HistoryEntity, {
            where: { applicationId: id, seq: MoreThan(sent) },
            order: { seq: 'ASC' },
          });
          for (const row of rows) {
            await stream.send(
              sseEvent({
                id: row.seq,
                data: {
                  applicationId: id,
                  seq: row.seq,
                  at: row.at.toISOString(),
                  actor: { role: row.actorRole, id: row.actorId },
                  type: row.type,
                  step: row.step,
                  detail: row.detail,
                },
              }),
            );
            sent = row.seq;
          }
          if (isFinal(application.status)) {
            const end: StreamEndDto = { status: application.status };
            stream.write(sseEvent({ event: 'end', data: end }));
            stream.end();
          }
        },
        (error) => this.logger.warn(`application stream ${id}: ${error.message}`),
      );
    const unsubscribe = await this.subscribe(stream, HISTORY_CHANNEL, (payload) => {
      if (payload === null || payload.startsWith(`${id}:`)) flush();
    });
    if (!unsubscribe) return;
    flush();
  }

  /** Every change to a task of the officer's departments (any department for an admin), as its task view. */
  async streamInbox(
    { caller, slot }: { caller: Caller; slot: StreamSlot },
    target: StreamTarget,
  ): Promise<void> {
    const stream = this.open({ caller, slot }, target);
    // Quotas are per department: one used up withholds that department's views, not those of the officer's others.
    const quotas = new Map<string, Withholding>();
    const departments = caller.role === 'admin' ? null : departmentsOf(caller);
    const unsubscribe = await this.subscribe(stream, TASKS_CHANNEL, (payload) => {
      if (payload === null) {
        stream.write(sseEvent({ event: 'resync', data: {} }));
        return;
      }
      const { id, department } = JSON.parse(payload) as { id: string; department: string };
      if (departments !== null && !departments.includes(department)) return;
      stream.serial(
        async () => {
          let quota = quotas.get(department);
          if (!quota) quotas.set(department, (quota = { until: 0 }));
          const event = await this.inboxEvent(caller, id, quota);
          if (event) stream.write(sseEvent(event));
        },
        (error) => this.logger.warn(`inbox stream: ${error.message}`),
      );
    });
    if (!unsubscribe) return;
    const ready: InboxReadyDto = { department: departments?.[0] ?? null, departments };
    stream.write(sseEvent({ event: 'ready', data: ready }));
  }

  /**
   * The changed task's view, which shows form fields and so counts against the department's read quota. Past the
   * quota the change is still announced, without the view (nothing personal crosses), with when the quota frees
   * up: an officer's screen that silently missed it would show a task as open that is not. Nothing while the task
   * is out of the inbox, waiting for its fact rule.
   */
  private async inboxEvent(
    caller: Caller,
    id: string,
    quota: Withholding,
  ): Promise<{ event: string; data: unknown } | null> {
    const withheld = (until: number) => {
      const data: TaskWithheldDto = {
        id,
        retryAfterSeconds: Math.max(1, Math.ceil((until - Date.now()) / 1000)),
      };
      return { event: 'withheld', data };
    };
    const task = await this.tasks.inboxTask(caller, id);
    if (task === null) return null;
    // Once refused, the stream asks no more until the quota frees up: each ask would count as one more refused
    // read of the department.
    if (Date.now() < quota.until) return withheld(quota.until);
    try {
      return { event: 'task', data: await this.tasks.show(caller, task) };
    } catch (error) {
      if (!(error instanceof TooManyRequestsException)) throw error;
      quota.until = Date.now() + error.retryAfterSeconds * 1000;
      return withheld(quota.until);
    }
  }

  /** Open streams would keep the HTTP server from closing: end them before it does. */
  onModuleDestroy(): void {
    for (const stream of this.streams) stream.end();
  }

  /**
   * The response is already under way (headers sent), so a failure to listen cannot become a problem reply: the
   * stream is ended, and the client's reconnect tries again.
   */
  private async subscribe(
    stream: SseStream,
    channel: string,
    listener: (payload: string | null) => void,
  ): Promise<(() => void) | null> {
    try {
      const unsubscribe = await this.listener.subscribe(channel, listener);
      stream.cleanups.push(unsubscribe);
      if (stream.closed) unsubscribe();
      return stream.closed ? null : unsubscribe;
    } catch (error) {
      this.logger.warn(`event stream: cannot listen: ${(error as Error).message}`);
      stream.end();
      return null;
    }
  }

  /**
   * Takes one of the caller's STREAMS_PER_CALLER on this process, or refuses with 429 while an answer can still be a
   * problem. Each open stream reads the tables on every change it is told of, and an inbox stream records a
   * disclosure for each view it sends: 2,000 streams of one applicant made every toolbox call on the application
   * take over a second. Taken before any await, so that requests arriving together cannot all pass the check.
   */
  reserveStream(caller: Caller): StreamSlot {
    const key = callerKey(caller);
    const limit = this.config.security.streamsPerCaller;
    const held = this.openBy.get(key) ?? 0;
    if (limit > 0 && held >= limit)
      throw new TooManyRequestsException(
        `This caller already holds ${limit} event streams open on this server: close one first (STREAMS_PER_CALLER)`,
        STREAM_RETRY_SECONDS,
      );
    this.openBy.set(key, held + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const left = (this.openBy.get(key) ?? 1) - 1;
        if (left > 0) this.openBy.set(key, left);
        else this.openBy.delete(key);
      },
    };
  }

  private open(
    { caller, slot }: { caller: Caller; slot: StreamSlot },
    { raw, headers }: StreamTarget,
  ): SseStream {
    const stream = new SseStream({
      raw,
      headers,
      heartbeatMs: this.config.sseHeartbeatMs,
      validUntil: caller.validUntil,
    });
    this.streams.add(stream);
    stream.cleanups.push(() => {
      this.streams.delete(stream);
      slot.release();
    });
    // A client gone while the stream was being opened sends no 'close' any more: end it now, slot and all.
    if (raw.destroyed) stream.end();
    return stream;
  }
}
