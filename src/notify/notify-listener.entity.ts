import { Entity, PrimaryColumn } from 'typeorm';

/**
 * The channels some process listens to right now, one row per channel and listening connection (its backend pid).
 * The notify triggers read it and call pg_notify only when a row names their channel: a transaction that notifies
 * holds one lock, global to the database, from its commit's start until its commit is on disk, so every such
 * commit waits for the one before it to be flushed, and committing writers can no longer share a flush. A row
 * whose connection is gone costs only notifications nobody hears; it is deleted at the next start or connection.
 */
@Entity('notify_listeners')
export class NotifyListenerEntity {
  @PrimaryColumn({ type: 'text' })
  channel: string;

  @PrimaryColumn({ type: 'int' })
  pid: number;
}
