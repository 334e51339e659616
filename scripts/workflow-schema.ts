/**
 * Writes workflows/workflow.schema.json from the definition DTOs:
 *
 *   node --import ./scripts/register-ts.mjs scripts/workflow-schema.ts
 *
 * A spec (src/definitions/workflow-schema.spec.ts) fails when the committed file and the DTOs disagree.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { buildWorkflowSchema } from '../src/definitions/workflow-schema.js';

const target = new URL('../workflows/workflow.schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(await buildWorkflowSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${target.pathname}\n`);
