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

  @Column({ type: 'jsonb' })
  definition: WorkflowDefinition;

  @Index()
  @Column({ name: 'content_hash', type: 'text' })
  contentHash: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
