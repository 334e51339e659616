import type { MigrationInterface } from 'typeorm';
import { Init1795772042598 } from './1795772042598-Init.js';
import { TaskReminders1795772152682 } from './1795772152682-TaskReminders.js';
import { IdempotencyJsonBody1795773065341 } from './1795773065341-IdempotencyJsonBody.js';
import { FactCache1795774038635 } from './1795774038635-FactCache.js';
import { TaskRulePending1795774334584 } from './1795774334584-TaskRulePending.js';
import { LiveNotify1795780000000 } from './1795780000000-LiveNotify.js';
import { WebhooksRatings1796058209496 } from './1796058209496-WebhooksRatings.js';
import { AuditLog1796058051717 } from './1796058051717-AuditLog.js';
import { EventPathHead1796058561459 } from './1796058561459-EventPathHead.js';
import { CorrectionsAndToolbox1796061641044 } from './1796061641044-CorrectionsAndToolbox.js';
import { PiiAtRest1796069062299 } from './1796069062299-PiiAtRest.js';
import { DisclosureLedger1796069098370 } from './1796069098370-DisclosureLedger.js';
import { ReportIndexes1796070812166 } from './1796070812166-ReportIndexes.js';
import { EventLockAndRead1796074355109 } from './1796074355109-EventLockAndRead.js';
import { TasksDropApplicationIndex1796099258724 } from './1796099258724-TasksDropApplicationIndex.js';
import { WebhookDeliveryLease1796240856151 } from './1796240856151-WebhookDeliveryLease.js';
import { NotifyOnlyListened1796360901838 } from './1796360901838-NotifyOnlyListened.js';
import { ListIndexes1796585312425 } from './1796585312425-ListIndexes.js';
import { WebhookWakeIndex1796605706935 } from './1796605706935-WebhookWakeIndex.js';
import { WorkflowDocument1796627562951 } from './1796627562951-WorkflowDocument.js';
import { CheckpointNodes1796639364875 } from './1796639364875-CheckpointNodes.js';
import { InboxNotifyOnly1796648185752 } from './1796648185752-InboxNotifyOnly.js';

/** Every migration, in order: imported explicitly so the same list works compiled and under Jest. */
export const migrations: (new () => MigrationInterface)[] = [
  Init1795772042598,
  TaskReminders1795772152682,
  IdempotencyJsonBody1795773065341,
  FactCache1795774038635,
  TaskRulePending1795774334584,
  LiveNotify1795780000000,
  AuditLog1796058051717,
  WebhooksRatings1796058209496,
  EventPathHead1796058561459,
  CorrectionsAndToolbox1796061641044,
  PiiAtRest1796069062299,
  DisclosureLedger1796069098370,
  ReportIndexes1796070812166,
  EventLockAndRead1796074355109,
  TasksDropApplicationIndex1796099258724,
  WebhookDeliveryLease1796240856151,
  NotifyOnlyListened1796360901838,
  ListIndexes1796585312425,
  WebhookWakeIndex1796605706935,
  WorkflowDocument1796627562951,
  CheckpointNodes1796639364875,
  InboxNotifyOnly1796648185752,
];
