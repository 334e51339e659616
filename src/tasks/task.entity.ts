import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { DecidedBy, StepStatus } from '../engine/workflow-machine.util.js';

export interface Signoff {
  officer: string;
  at: string;
}

@Entity('tasks')
@Unique('tasks_application_step_attempt', ['applicationId', 'step', 'attempt'])
@Index('tasks_inbox', ['department', 'status', 'dueAt', 'id'])
@Index('tasks_open_due', ['dueAt'], { where: "status = 'open'" })
@Index('tasks_rule_pending', ['openedAt'], { where: "status = 'open' AND rule_pending" })
@Index('tasks_open_remind', ['remindAt'], { where: "status = 'open' AND NOT reminded" })
export class TaskEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index()
  @Column({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @Column({ name: 'workflow_key', type: 'text' })
  workflowKey: string;

  @Column({ type: 'text' })
  step: string;

  @Column({ type: 'int' })
  attempt: number;

  @Column({ type: 'text' })
  department: string;

  @Column({ type: 'text' })
  status: StepStatus;

  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt: Date;

  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt: Date;

  /** True when the due time was counted past the end of the calendar's holiday data. */
  @Column({ name: 'due_beyond_calendar', type: 'boolean', default: false })
  dueBeyondCalendar: boolean;

  @Column({ name: 'remind_at', type: 'timestamptz', nullable: true })
  remindAt: Date | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @Column({ name: 'decided_by', type: 'text', nullable: true })
  decidedBy: DecidedBy | null;

  /** The officer whose decision closed the step, when an officer did. */
  @Column({ name: 'decided_by_officer', type: 'text', nullable: true })
  decidedByOfficer: string | null;

  @Column({ type: 'boolean', default: false })
  overdue: boolean;

  @Column({ type: 'boolean', default: false })
  reminded: boolean;

  /** The step's `autoApprove` rule has yet to be evaluated for this attempt; the sweep re-queues such tasks. */
  @Column({ name: 'rule_pending', type: 'boolean', default: false })
  rulePending: boolean;

  @Column({ type: 'jsonb' })
  signoffs: Signoff[];

  @Column({ type: 'text', nullable: true })
  comment: string | null;
}
