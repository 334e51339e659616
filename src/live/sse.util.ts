/** One server-sent event (https://html.spec.whatwg.org/multipage/server-sent-events.html) as wire text. */
export function sseEvent(event: { id?: string | number; event?: string; data: unknown }): string {
  const lines: string[] = [];
  if (event.id !== undefined) lines.push(`id: ${String(event.id).replace(/[\r\n]/g, '')}`);
  if (event.event !== undefined) lines.push(`event: ${event.event.replace(/[\r\n]/g, '')}`);
  // JSON.stringify never emits a raw newline, so the payload is always one data line.
  lines.push(`data: ${JSON.stringify(event.data)}`);
  return `${lines.join('\n')}\n\n`;
}

export const sseComment = (text: string): string => `: ${text.replace(/[\r\n]/g, ' ')}\n\n`;

/**
 * The history seq a client has seen, from `Last-Event-ID`: a non-negative integer, else 0 (start over).
 * An id the server never sent cannot skip events: it only makes the stream start after that seq.
 */
export function parseLastEventId(raw: string | undefined): number {
  if (raw === undefined || !/^\d{1,9}$/.test(raw.trim())) return 0;
  return Number(raw.trim());
}
