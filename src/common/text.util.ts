/**
 * A character that shows: neither whitespace nor an invisible format character (zero-width space and joiners, the
 * byte-order mark, bidirectional marks: Unicode's Cf). A name or comment of only those reads as nothing.
 */
export const VISIBLE = /[^\s\p{Cf}]/u;

/**
 * VISIBLE as the published schemas give it (workflows/workflow.schema.json, the OpenAPI document): not whitespace.
 * A validator that compiles a pattern without Unicode mode (Python's re, some JSON Schema tools) would read `\p{Cf}`
 * as the letters p, C and f, and refuse a department named `fire`; the service's own check is the stricter one.
 */
export const PUBLISHED_VISIBLE = '\\S';

/** Text a reader would see as empty: absent, or without one visible character. */
export function isBlank(text: string | null | undefined): boolean {
  return text === null || text === undefined || !VISIBLE.test(text);
}
