/** The page language from `Accept-Language`: Chinese when the first of Chinese or English the client ranks is Chinese. */
export function pageLanguage(acceptLanguage: string | undefined): 'zh' | 'en' {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.tag !== '' && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  const first = ranked.find((entry) => entry.tag.startsWith('zh') || entry.tag.startsWith('en'));
  return first?.tag.startsWith('zh') ? 'zh' : 'en';
}

/**
 * One page: the shared frame (`public/page.html`: head, header, language switch) around the page's own `<main>`
 * (`public/pages/{page}.html`), whose `data-title` is the title until the script sets the chosen language's.
 */
export function composePage(frame: string, page: string, main: string): string {
  const title = /^<main\b[^>]*\sdata-title="([^"]*)"/.exec(main.trim())?.[1];
  if (title === undefined) throw new Error(`public/pages/${page}.html must start with <main data-title="…">`);
  const values: Record<string, string> = { page, title, main: main.trim() };
  return frame
    .replace(/<!--[^]*?-->\n/, '')
    .replace(/\{\{(page|title|main)\}\}/g, (_, name: string) => values[name]!);
}
