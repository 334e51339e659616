import { describe, expect, it } from '@jest/globals';
import { analyze } from './definition-graph.util.js';
import type { WorkflowDefinition } from './definition.types.js';
import { mermaidId, mermaidLabel, toMermaid } from './mermaid.util.js';

describe('mermaidLabel', () => {
  it('codes what a quoted, HTML label would read as syntax, each once', () => {
    expect(mermaidLabel('Seats < 50 & "kitchen" > 2')).toBe('Seats #60; 50 #38; #34;kitchen#34; #62; 2');
    expect(mermaidLabel('Form #3;')).toBe('Form #35;3;');
    expect(mermaidLabel('<img src=x onerror=alert(1)>')).toBe('#60;img src=x onerror=alert(1)#62;');
  });

  it('codes the space after "direction", which Mermaid would read as a direction statement swallowing the line', () => {
    expect(mermaidLabel('Traffic direction TB')).toBe('Traffic direction#32;TB');
    expect(mermaidLabel('direction\u00a0LR, directions')).toBe('direction#160;LR, directions');
  });

  it('keeps a label on one line', () => {
    expect(mermaidLabel('Fire\nsafety\r\n\tcheck')).toBe('Fire safety check');
  });

  it('leaves other text as it is', () => {
    expect(mermaidLabel('消防安全检查 (fire-rescue)')).toBe('消防安全检查 (fire-rescue)');
  });
});

describe('mermaidId', () => {
  it('gives an id Mermaid would read as a keyword, a command or an arrow a form it reads as an id', () => {
    const misread = {
      end: 'End',
      'end-review': 'End_review',
      'style-check': 'Style_check',
      class: 'Class',
      'graph-review': 'Graph_review',
      'flowchart-elk': 'Flowchart_elk',
      'swimlane-beta': 'Swimlane_beta',
      subgraph: 'Subgraph',
      'interpolate-x': 'Interpolate_x',
      click: 'Click',
      call: 'Call',
      href: 'Href',
      'a--b': 'A__b',
    };
    expect(Object.keys(misread).map(mermaidId)).toEqual(Object.values(misread));
  });

  it('leaves every other id as it is', () => {
    const ids = [
      'business-licence',
      'classification',
      'endorsement',
      'stylist',
      'click-through',
      'default',
      'v2',
    ];
    expect(ids.map(mermaidId)).toEqual(ids);
  });
});

describe('toMermaid', () => {
  const diagramOf = (steps: WorkflowDefinition['steps']): string => {
    const definition: WorkflowDefinition = {
      key: 'mermaid-test',
      name: 'Mermaid test',
      form: { type: 'object', properties: {} },
      steps,
    };
    return toMermaid(definition, analyze(definition));
  };

  it('draws each step with its coded name and department, and its prerequisites as arrows', () => {
    const text = diagramOf([
      { id: 'licence', name: 'Licence "A"', department: 'market', timeLimit: { workingDays: 2 } },
      { id: 'tax', name: 'Tax <b>', department: 'tax', timeLimit: { workingDays: 1 }, after: ['licence'] },
    ]);
    expect(text).toContain('  licence["Licence #34;A#34;<br/>market"]\n');
    expect(text).toContain('  tax["Tax #60;b#62;<br/>tax"]\n');
    expect(text).toContain('  licence ==> tax\n');
    expect(text).not.toContain('<b>');
  });

  it('writes a keyword id in its readable form in the node, its arrows and the critical class', () => {
    const text = diagramOf([
      { id: 'style-check', name: 'Style', department: 'market', timeLimit: { workingDays: 2 } },
      { id: 'end', name: 'End', department: 'tax', timeLimit: { workingDays: 1 }, after: ['style-check'] },
    ]);
    expect(text).toContain('  Style_check["Style<br/>market"]\n  End["End<br/>tax"]\n');
    expect(text).toContain('  Style_check ==> End\n');
    expect(text).toContain('  class Style_check,End critical\n');
  });
});
