import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { analyze } from '../src/definitions/definition-graph.util.js';
import type { WorkflowDefinition } from '../src/definitions/definition.types.js';
import { mermaidId, toMermaid } from '../src/definitions/mermaid.util.js';
import { describeInBrowser, launchBrowser } from './support/browser.js';

/** What Mermaid made of a diagram: its nodes (with their classes), its arrows, and the drawing's label texts. */
interface Reading {
  nodes: string[];
  arrows: string[];
  labels: string[];
  markup: number;
}

/**
 * Defines `readDiagram(text)` in the page: the diagram as Mermaid itself parses and draws it. Plain JavaScript, as it
 * runs in the browser (the test's TypeScript has no DOM types).
 */
const READER = `
window.readDiagram = async (text) => {
  const { db } = await mermaid.mermaidAPI.getDiagramFromText(text);
  const { svg } = await mermaid.render('diagram' + Date.now(), text);
  document.body.innerHTML = svg;
  return {
    nodes: [...db.getVertices()].map(([id, v]) => id + (v.classes.includes('critical') ? ' critical' : '')),
    arrows: db.getEdges().map((e) => e.start + ' ' + e.stroke + ' ' + e.end),
    labels: [...document.querySelectorAll('g.node .nodeLabel')].map((l) => l.innerText),
    markup: document.querySelectorAll('g.node .nodeLabel b, g.node .nodeLabel img').length,
  };
};
mermaid.initialize({ startOnLoad: false });
`;

function readInMermaid(page: Page, text: string): Promise<Reading> {
  return page.evaluate<Reading>(`readDiagram(${JSON.stringify(text)})`);
}

/** Each step a node (the critical path's marked), each prerequisite an arrow, thick where both ends are critical. */
function drawn(definition: WorkflowDefinition): Omit<Reading, 'labels' | 'markup'> {
  const analysis = analyze(definition);
  const critical = new Set(analysis.criticalPath);
  return {
    nodes: definition.steps.map((s) => `${mermaidId(s.id)}${critical.has(s.id) ? ' critical' : ''}`).sort(),
    arrows: definition.steps
      .flatMap((step) =>
        (analysis.dependencies[step.id] ?? []).map((before) => {
          const stroke = critical.has(before) && critical.has(step.id) ? 'thick' : 'normal';
          return `${mermaidId(before)} ${stroke} ${mermaidId(step.id)}`;
        }),
      )
      .sort(),
  };
}

const folder = new URL('../workflows/', import.meta.url);
const shipped = readdirSync(folder).filter((f) => f.endsWith('.json') && f !== 'workflow.schema.json');
const step = (id: string, workingDays: number, after?: string[]): WorkflowDefinition['steps'][number] => ({
  id,
  name: `Step ${id}`,
  department: 'market',
  timeLimit: { workingDays },
  ...(after && { after }),
});

describeInBrowser(describe)('a diagram as Mermaid reads and draws it, in a browser', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    const script = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');
    await page.addScriptTag({ path: script });
    await page.addScriptTag({ content: READER });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it.each(shipped)('reads %s as its steps, prerequisites and critical path', async (file) => {
    const definition = JSON.parse(readFileSync(new URL(file, folder), 'utf8')) as WorkflowDefinition;
    const reading = await readInMermaid(page, toMermaid(definition, analyze(definition)));
    expect({ nodes: reading.nodes.sort(), arrows: reading.arrows.sort() }).toEqual(drawn(definition));
  });

  it('reads steps whose ids are Mermaid keywords, commands or hold an arrow as ordinary steps', async () => {
    const definition: WorkflowDefinition = {
      key: 'mermaid-keywords',
      name: 'Mermaid keywords',
      form: { type: 'object', properties: {} },
      steps: [
        step('style-check', 2),
        step('end', 5, ['style-check']),
        step('click', 5, ['end']),
        step('a--b', 1, ['style-check']),
        step('class', 1, ['a--b', 'end']),
        step('graph-review', 9, ['click']),
        step('swimlane-beta', 1),
        step('subgraph', 1, ['swimlane-beta']),
        step('href', 1, ['subgraph']),
        step('call', 1, ['href', 'class']),
        // Near misses, which Mermaid reads as ids and the diagram keeps as they are.
        step('endorsement', 1, ['call']),
        step('classification', 1),
        step('click-through', 1, ['classification']),
        step('default', 1),
        step('classdef', 1, ['default']),
        step('v2', 1),
      ],
    };
    const reading = await readInMermaid(page, toMermaid(definition, analyze(definition)));
    expect(reading.nodes.sort()).toEqual(
      [
        'Style_check critical',
        'End critical',
        'Click critical',
        'A__b',
        'Class',
        'Graph_review critical',
        'Swimlane_beta',
        'Subgraph',
        'Href',
        'Call',
        'endorsement',
        'classification',
        'click-through',
        'default',
        'classdef',
        'v2',
      ].sort(),
    );
    expect(reading.arrows.sort()).toEqual(drawn(definition).arrows);
  });

  it('draws a name with Mermaid or HTML syntax as the text it is', async () => {
    const name = 'Seats < 50 & "kitchen" <b>Form #3;</b> <img src=x> direction TB';
    const definition: WorkflowDefinition = {
      key: 'mermaid-labels',
      name: 'Mermaid labels',
      form: { type: 'object', properties: {} },
      steps: [{ ...step('seats', 2), name, department: 'fire & "rescue"' }],
    };
    const reading = await readInMermaid(page, toMermaid(definition, analyze(definition)));
    expect(reading.labels).toEqual([`${name}\nfire & "rescue"`]);
    expect(reading.markup).toBe(0);
  });
});
