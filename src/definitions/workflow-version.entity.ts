import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { WorkflowDefinition } from './definition.types.js';

@Entity('workflow_versions')
export class WorkflowVersionEntity {
  @PrimaryColumn({ type: 'text' })
  key: string;

  @PrimaryColumn({ type: 'int' })
  version: number;

  @Column({ type: 'text' })
  name: string;

  /** The definition as the engine runs it: the document checked, with every default filled in. */
  @Column({ type: 'jsonb' })
  definition: WorkflowDefinition;

  /**
   * The document as the administrator posted it (or its file held), which `GET /workflows/{key}` answers; null for
   * versions registered before it was kept, which answer `definition`.
   */
  @Column({ type: 'jsonb', nullable: true })
  document: WorkflowDefinition | null;

  @Index()
  @Column({ name: 'content_hash', type: 'text' })
  contentHash: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
