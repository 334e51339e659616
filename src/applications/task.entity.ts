import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Signoff, TaskRow } from '../engine/plan.types.js';
import type { DecidedBy, StepStatus } from '../engine/workflow-machine.util.js';

export type { Signoff };

@Entity('tasks')
@Unique('tasks_application_step_attempt', ['applicationId', 'step', 'attempt'])
@Index('tasks_inbox', ['department', 'status', 'dueAt', 'id'])
@Index('tasks_open_due', ['dueAt'], { where: "status = 'open'" })
@Index('tasks_rule_pending', ['openedAt'], { where: "status = 'open' AND rule_pending" })
@Index('tasks_open_remind', ['remindAt'], { where: "status = 'open' AND NOT reminded" })
@Index('tasks_open_claimed', ['claimedBy'], { where: "status = 'open' AND claimed_by IS NOT NULL" })
export class TaskEntity implements TaskRow {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  // No index of its own: tasks_application_step_attempt starts with it, and every event updates this table's
  // indexes (an index that serves no query costs on every write).
  @Column({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @Column({ name: 'workflow_key', type: 'text' })
  workflowKey: string;

  /** The application's workflow version, so a task's step definition needs no read of the application. */
  @Column({ name: 'workflow_version', type: 'int' })
  workflowVersion: number;

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

  /**
   * The step's `autoApprove` rule reads facts and has yet to speak for this attempt: the task stays out of the
   * default inbox (`?rulePending=true` lists it), and the sweep re-queues a rule job that went missing.
   */
  @Column({ name: 'rule_pending', type: 'boolean', default: false })
  rulePending: boolean;

  @Column({ type: 'jsonb' })
  signoffs: Signoff[];

  @Column({ type: 'text', nullable: true })
  comment: string | null;

  /** The officer holding the task (claim or transfer); colleagues see who works on it. */
  @Column({ name: 'claimed_by', type: 'text', nullable: true })
  claimedBy: string | null;

  /** Signatures required when raised for this application (加签); null: the step's `signoff`. */
  @Column({ name: 'signoff_required', type: 'int', nullable: true })
  signoffRequired: number | null;
}
