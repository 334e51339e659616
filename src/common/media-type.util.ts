/**
 * A parameter of a media type (RFC 9110 §5.6.6) by its lower-case name, unquoted; a quoted value may hold `;`. The
 * first one counts.
 */
export function mediaTypeParameter(contentType: string, name: string): string | undefined {
  for (const [, key = '', value = ''] of contentType.matchAll(
    /;\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g,
  )) {
    if (key.toLowerCase() !== name) continue;
    const quoted = /^"(.*)"$/s.exec(value)?.[1];
    return quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : value.trim();
  }
  return undefined;
}
