import type { MigrationInterface } from 'typeorm';
import { Init1795772042598 } from './1795772042598-Init.js';

/** Every migration, in order: imported explicitly so the same list works compiled and under Jest. */
export const migrations: (new () => MigrationInterface)[] = [Init1795772042598];
