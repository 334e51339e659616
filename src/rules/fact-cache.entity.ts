import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A fact fetched for one application, reused for its `cacheSeconds`; failures are never cached. */
@Entity('fact_cache')
export class FactCacheEntity {
  @PrimaryColumn({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @PrimaryColumn({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  url: string;

  @Column({ type: 'jsonb' })
  value: unknown;

  @Column({ name: 'fetched_at', type: 'timestamptz' })
  fetchedAt: Date;
}
