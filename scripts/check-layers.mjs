// Checks the layering of src/: a file imports only from its own layer or the layers below it, and
// nn/, optim/, models/ and ops/ reach the backends only through the Backend interface and the
// registry, never backend/js or backend/wasm internals. Run: node scripts/check-layers.mjs
// (test/layers/layers.test.ts runs it too). Only imports that exist at run time count: `import type`
// is erased, so it cannot make a module load before its dependencies.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The layers from the bottom up: the first folder of a path under src/ (or a top-level file) names its layer. */
export const LAYERS = [
  ['util'],
  ['tensor'],
  ['autograd'],
  ['backend'],
  ['ops'],
  ['profile'],
  ['nn'],
  ['optim'],
  ['data', 'io', 'text', 'plot'],
  ['models', 'embeddings'],
  ['index.ts', 'node.ts'], // the library's entries, which the CLI uses like any program
  ['cli'],
];

/** Folders whose files may not import the backends' internals (anything in backend/ but backend.ts and registry.ts). */
export const NO_BACKEND_INTERNALS = ['nn', 'optim', 'models', 'ops'];
const BACKEND_DOORS = ['backend/backend.ts', 'backend/registry.ts'];

function layerOf(path) {
  const top = path.split('/')[0];
  const i = LAYERS.findIndex((names) => names.includes(top));
  if (i < 0) throw new Error(`check-layers: src/${path} is in no layer; add '${top}' to LAYERS in scripts/check-layers.mjs`);
  return i;
}

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!(name === 'kernels' && dir.endsWith(join('backend', 'wasm')))) out.push(...sourceFiles(path)); // AssemblyScript, compiled apart
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Relative specifiers a file loads at run time (static imports and re-exports that are not type-only, dynamic imports). */
function runtimeImports(text) {
  const specs = [];
  const statement = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(statement)) {
    if (m[2]) continue;
    const clause = m[3].replace(/^\{|\}$/g, '');
    const names = clause.split(',').map((s) => s.trim()).filter(Boolean);
    if (m[3].trim().startsWith('{') && names.length > 0 && names.every((n) => n.startsWith('type '))) continue;
    specs.push(m[4]);
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) specs.push(m[1]);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]);
  return specs.filter((s) => s.startsWith('.'));
}

/** Every violation in the tree under srcDir, as `from -> to: why` lines. */
export function checkLayers(srcDir) {
  const problems = [];
  for (const file of sourceFiles(srcDir)) {
    const from = relative(srcDir, file).split('\\').join('/');
    for (const spec of runtimeImports(readFileSync(file, 'utf8'))) {
      const to = relative(srcDir, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))).split('\\').join('/');
      if (to.startsWith('..')) continue;
      const edge = `${from} -> ${to}`;
      const reasons = [];
      if (layerOf(to) > layerOf(from)) reasons.push(`${from.split('/')[0]} is below ${to.split('/')[0]}`);
      if (NO_BACKEND_INTERNALS.includes(from.split('/')[0]) && to.startsWith('backend/') && !BACKEND_DOORS.includes(to)) {
        reasons.push('only backend/backend.ts and backend/registry.ts are open to it');
      }
      if (reasons.length > 0) problems.push(`${edge}: ${reasons.join('; ')}`);
    }
  }
  return problems;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const problems = checkLayers(src);
  for (const p of problems) console.error(p);
  console.error(problems.length === 0 ? 'check-layers: ok' : `check-layers: ${problems.length} violation(s)`);
  process.exit(problems.length === 0 ? 0 : 1);
}
