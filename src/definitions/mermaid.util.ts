import type { Analysis, WorkflowDefinition } from './definition.types.js';

/**
 * Mermaid's decimal codes for what a quoted label would otherwise read as syntax: `"` ends the label, `#…;` is taken
 * for a code itself, and the label is HTML (it holds a `<br/>`), so `<`, `>` and `&` would be markup. A name such as
 * `Seats < 50 & kitchen` or `Form #3;` is shown as written.
 */
const CODES: Readonly<Record<string, string>> = {
  '"': '#34;',
  '#': '#35;',
  '&': '#38;',
  '<': '#60;',
  '>': '#62;',
};

/** A name or department as the text of a quoted label: one line, every special character coded. */
export function mermaidLabel(text: string): string {
  return (
    text
      .replace(/\p{Cc}+/gu, ' ')
      .replace(/["#&<>]/g, (c) => CODES[c] ?? c)
      // Mermaid reads `direction TB` anywhere on a line as a direction statement and drops the whole node line
      // without an error; a coded space after the word keeps it a word.
      .replace(/direction(\s)/g, (_, space: string) => `direction#${space.codePointAt(0)};`)
  );
}

/**
 * A step id Mermaid's flowchart grammar reads as something else: a keyword alone or before a hyphen (`end`,
 * `style-check`), a word that opens a command when a space follows it (`click --> …`), or `--`, which starts an arrow.
 * Read off Mermaid 12's flowchart lexer and checked by parsing; `classification` or `endorsement` are read as ids.
 */
const MISREAD_ID =
  /^(?:style|class|graph|flowchart|swimlane-beta|subgraph|end|interpolate)(?:-|$)|^(?:click|call|href)$|--/;

/**
 * The diagram's node id for a step: the step id itself, or, where Mermaid would misread it, the id with a capital
 * first letter and underscores for hyphens (`End`, `Style_check`). Step ids are lower case without underscores, so
 * the changed id can be no other step's.
 */
export function mermaidId(id: string): string {
  return MISREAD_ID.test(id) ? id.charAt(0).toUpperCase() + id.slice(1).replaceAll('-', '_') : id;
}

/** Mermaid flowchart of the dependency graph, with the critical path highlighted. */
export function toMermaid(definition: WorkflowDefinition, analysis: Analysis): string {
  const critical = new Set(analysis.criticalPath);
  const lines = ['flowchart LR'];
  for (const step of definition.steps) {
    lines.push(`  ${mermaidId(step.id)}["${mermaidLabel(step.name)}<br/>${mermaidLabel(step.department)}"]`);
  }
  for (const step of definition.steps) {
    for (const prerequisite of analysis.dependencies[step.id] ?? []) {
      const onPath = critical.has(prerequisite) && critical.has(step.id);
      lines.push(`  ${mermaidId(prerequisite)} ${onPath ? '==>' : '-->'} ${mermaidId(step.id)}`);
    }
  }
  if (critical.size > 0) {
    lines.push('  classDef critical stroke:#d33,stroke-width:3px');
    lines.push(`  class ${[...critical].map(mermaidId).join(',')} critical`);
  }
  return lines.join('\n') + '\n';
}
