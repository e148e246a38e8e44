// STYLE §0 and §8, for the dashboard: feature folders never import each other, src/lib/ (generic
// helpers) imports nothing of the dashboard, and src/model/ (state made outside React) imports
// no view. The test reads every import of src/ and checks where it points; a small set of
// made-up files shows that the checker reports each kind of break.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const srcRoot = join(dirname(fileURLToPath(import.meta.url)), '../src');

/** Source files keyed by their path inside src/, with '/' separators. */
type Sources = ReadonlyMap<string, string>;

function readSources(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) readSources(path, out);
    else if (/\.tsx?$/.test(entry.name)) out.set(relative(srcRoot, path).split('\\').join('/'), readFileSync(path, 'utf8'));
  }
  return out;
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function importedModules(source: string): string[] {
  const code = stripComments(source);
  const patterns = [
    /\bimport\s+(?:type\s+)?(?:[\w*{}\s,]+\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?[\w*{}\s,]+\s+from\s+['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...code.matchAll(pattern)].map((m) => m[1]!));
}

/** Where a file of src/ sits: a feature folder (by name), lib, model, ui or the app's own files. */
function layerOf(path: string): string {
  const [top, next] = path.split('/');
  if (top === 'features') return `features/${next}`;
  if (top === 'lib' || top === 'model' || top === 'ui') return top;
  return path.includes('/') ? top! : 'app';
}

const ABOVE_LIB = new Set(['model', 'ui', 'app']);
const ABOVE_MODEL = new Set(['ui', 'app']);

/** Every import that breaks the layering, as "file → target (rule)". */
function layeringViolations(sources: Sources): string[] {
  const found: string[] = [];
  for (const [file, source] of sources) {
    const from = layerOf(file);
    for (const spec of importedModules(source)) {
      if (!spec.startsWith('.')) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      if (target.startsWith('../')) continue;
      const to = layerOf(target);
      const isFeature = to.startsWith('features/');
      let rule: string | null = null;
      if (from.startsWith('features/') && isFeature && to !== from) rule = 'a feature imports another feature';
      else if (from === 'lib' && (isFeature || ABOVE_LIB.has(to))) rule = 'lib imports above itself';
      else if (from === 'model' && (isFeature || ABOVE_MODEL.has(to))) rule = 'the model imports a view';
      if (rule) found.push(`${file} → ${target} (${rule})`);
    }
  }
  return found.sort();
}

describe('the dashboard keeps its layers', () => {
  const sources = readSources(srcRoot);
  const layers = new Set([...sources.keys()].map(layerOf));

  it('finds the source files of every layer', () => {
    for (const layer of ['app', 'lib', 'model', 'ui', 'features/lanes', 'features/docs', 'features/student']) expect(layers).toContain(layer);
    expect(sources.has('model/workbench.ts')).toBe(true);
    expect(sources.has('lib/store.ts')).toBe(true);
  });

  it('no feature imports another, lib imports nothing of the dashboard, the model imports no view', () => {
    expect(layeringViolations(sources)).toEqual([]);
  });

  it('the checker reports every kind of break in a set of made-up files', () => {
    const fake = new Map([
      ['features/lanes/card.tsx', `import { Chart } from '../charts/chart.tsx';\nimport { Lane } from '../../model/lane.ts';\nimport { Store } from '../../lib/store.ts';\nimport { Row } from './row.tsx';`],
      ['features/docs/page.tsx', `// import { x } from '../lanes/card.tsx';\nconst Lazy = lazy(() => import('../charts/chart.tsx'));`],
      ['features/charts/chart.tsx', `export { fmt } from '../../ui/format.ts';\nimport uPlot from 'uplot';`],
      ['lib/helper.ts', `import type { Lane } from '../model/lane.ts';\nimport {\n  x,\n  y,\n} from '../ui/format.ts';\nimport './other.ts';`],
      ['lib/other.ts', `import { start } from '../main.tsx';\nimport { Card } from '../features/lanes/card.tsx';`],
      ['model/lane.ts', `import { Store } from '../lib/store.ts';\nimport { fmt } from '../ui/format.ts';\nimport { App } from '../app.tsx';`],
      ['model/feed.ts', `import { Chart } from '../features/charts/chart.tsx';\nimport { Lane } from './lane.ts';`],
    ]);
    expect(layeringViolations(fake)).toEqual([
      'features/docs/page.tsx → features/charts/chart.tsx (a feature imports another feature)',
      'features/lanes/card.tsx → features/charts/chart.tsx (a feature imports another feature)',
      'lib/helper.ts → model/lane.ts (lib imports above itself)',
      'lib/helper.ts → ui/format.ts (lib imports above itself)',
      'lib/other.ts → features/lanes/card.tsx (lib imports above itself)',
      'lib/other.ts → main.tsx (lib imports above itself)',
      'model/feed.ts → features/charts/chart.tsx (the model imports a view)',
      'model/lane.ts → app.tsx (the model imports a view)',
      'model/lane.ts → ui/format.ts (the model imports a view)',
    ]);
  });
});
