/**
 * A character that shows: neither whitespace nor an invisible format character (zero-width space and joiners, the
 * byte-order mark, bidirectional marks: Unicode's Cf). A name or comment of only those reads as nothing.
 */
export const VISIBLE = /[^\s\p{Cf}]/u;

/** Text a reader would see as empty: absent, or without one visible character. */
export function isBlank(text: string | null | undefined): boolean {
  return text === null || text === undefined || !VISIBLE.test(text);
}
