import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCalendar, type BusinessCalendar } from './calendar.util.js';

/**
 * The project root: the nearest folder above this module holding a package.json. Found by walking up rather than
 * by a fixed `../..` because this module runs both from src/calendar (Jest, scripts) and from dist/src/calendar
 * (compiled), and `calendars/` sits at the project root, not under dist.
 */
function projectRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(here, '..', '..');
  }
}

/** The calendars shipped with the project (`<project root>/calendars`). */
export const SHIPPED_CALENDARS_DIR: string = join(projectRoot(), 'calendars');

/**
 * Loads every `*.json` calendar of `dirs`, in order (the shipped directory first, then an operator's). Within a
 * directory files load in name order; a calendar whose name was already loaded is replaced, so an operator can
 * override a shipped calendar. Each file must be named after its calendar (`cn-mainland.json` holds
 * `"name": "cn-mainland"`). A missing directory, an unreadable or invalid file throws an Error naming it.
 */
export function loadCalendars(dirs: readonly string[]): Map<string, BusinessCalendar> {
  const calendars = new Map<string, BusinessCalendar>();
  for (const dir of dirs) {
    let files: string[];
    try {
      if (!statSync(dir).isDirectory()) throw new Error('not a directory');
      files = readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort();
    } catch (error) {
      throw new Error(`calendar directory ${dir}: ${(error as Error).message}`, { cause: error });
    }
    for (const file of files) {
      const path = join(dir, file);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        throw new Error(`calendar ${path}: ${(error as Error).message}`, { cause: error });
      }
      const calendar = parseCalendar(text, path);
      const expected = file.slice(0, -'.json'.length);
      if (calendar.name !== expected) {
        throw new Error(`calendar ${path}: name "${calendar.name}" must match the file name ("${expected}")`);
      }
      calendars.set(calendar.name, calendar);
    }
  }
  return calendars;
}
