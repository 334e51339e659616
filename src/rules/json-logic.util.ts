import jsonLogic from 'json-logic-js';
import type { JsonLogic } from '../definitions/definition.types.js';

/** A JSON Logic condition over application data; anything but a truthy result (or an evaluation error) is false. */
export function holds(logic: JsonLogic | undefined, data: Record<string, unknown>): boolean {
  if (logic === undefined) return true;
  try {
    return Boolean(jsonLogic.apply(logic as jsonLogic.RulesLogic, data));
  } catch {
    return false;
  }
}
