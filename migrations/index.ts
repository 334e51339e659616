import type { MigrationInterface } from 'typeorm';
import { Init1795771315546 } from './1795771315546-Init.js';

/** Every migration, in order: imported explicitly so the same list works compiled and under Jest. */
export const migrations: (new () => MigrationInterface)[] = [Init1795771315546];
