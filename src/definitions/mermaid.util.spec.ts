import { describe, expect, it } from '@jest/globals';
import { analyze } from './definition-graph.util.js';
import type { WorkflowDefinition } from './definition.types.js';
import { mermaidLabel, toMermaid } from './mermaid.util.js';

describe('mermaidLabel', () => {
  it('codes what a quoted, HTML label would read as syntax, each once', () => {
    expect(mermaidLabel('Seats < 50 & "kitchen" > 2')).toBe('Seats #60; 50 #38; #34;kitchen#34; #62; 2');
    expect(mermaidLabel('Form #3;')).toBe('Form #35;3;');
    expect(mermaidLabel('<img src=x onerror=alert(1)>')).toBe('#60;img src=x onerror=alert(1)#62;');
  });

  it('keeps a label on one line', () => {
    expect(mermaidLabel('Fire\nsafety\r\n\tcheck')).toBe('Fire safety check');
  });

  it('leaves other text as it is', () => {
    expect(mermaidLabel('消防安全检查 (fire-rescue)')).toBe('消防安全检查 (fire-rescue)');
  });
});

describe('toMermaid', () => {
  it('draws each step with its coded name and department, and its prerequisites as arrows', () => {
    const definition: WorkflowDefinition = {
      key: 'mermaid-test',
      name: 'Mermaid test',
      form: { type: 'object', properties: {} },
      steps: [
        { id: 'licence', name: 'Licence "A"', department: 'market', timeLimit: { workingDays: 2 } },
        { id: 'tax', name: 'Tax <b>', department: 'tax', timeLimit: { workingDays: 1 }, after: ['licence'] },
      ],
    };
    const text = toMermaid(definition, analyze(definition));
    expect(text).toContain('  licence["Licence #34;A#34;<br/>market"]\n');
    expect(text).toContain('  tax["Tax #60;b#62;<br/>tax"]\n');
    expect(text).toContain('  licence ==> tax\n');
    expect(text).not.toContain('<b>');
  });
});
