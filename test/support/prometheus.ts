/**
 * Reading a Prometheus text answer, for the e2e specs and the bench alike (so it imports nothing of Jest's).
 */

/** The samples of a Prometheus text answer, by series (`name{labels}` as printed). */
export function samples(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return series;
}
