import type { Analysis, WorkflowDefinition } from './definition.types.js';

/** Mermaid flowchart of the dependency graph, with the critical path highlighted. */
export function toMermaid(definition: WorkflowDefinition, analysis: Analysis): string {
  const critical = new Set(analysis.criticalPath);
  const label = (text: string) => text.replace(/"/g, '#quot;');
  const lines = ['flowchart LR'];
  for (const step of definition.steps) {
    lines.push(`  ${step.id}["${label(step.name)}<br/>${label(step.department)}"]`);
  }
  for (const step of definition.steps) {
    for (const prerequisite of analysis.dependencies[step.id] ?? []) {
      const onPath = critical.has(prerequisite) && critical.has(step.id);
      lines.push(`  ${prerequisite} ${onPath ? '==>' : '-->'} ${step.id}`);
    }
  }
  if (critical.size > 0) {
    lines.push('  classDef critical stroke:#d33,stroke-width:3px');
    lines.push(`  class ${[...critical].join(',')} critical`);
  }
  return lines.join('\n') + '\n';
}
