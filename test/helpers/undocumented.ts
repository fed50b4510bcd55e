// The public exports of the package's entry points that carry no doc comment, found with the TypeScript
// compiler API: every name an entry exports, through `export * as ns` namespaces, down to its declaration.
import ts from 'typescript';

export interface Undocumented {
  /** The name a user writes, e.g. `nabla.nn.Linear` or `nabla/models.SimpleCNN`. */
  name: string;
  /** Where it is declared: file and line. */
  where: string;
}

/** What the entries export, with and without doc comments; `examples` lists the names whose comment has an `@example`. */
export function undocumentedExports(entries: Record<string, string>, tsconfig = 'tsconfig.json'): { checked: number; missing: Undocumented[]; examples: Set<string> } {
  const config = ts.getParsedCommandLineOfConfigFile(tsconfig, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } });
  if (!config) throw new Error(`cannot read ${tsconfig}`);
  const program = ts.createProgram({ rootNames: Object.values(entries), options: { ...config.options, noEmit: true } });
  const checker = program.getTypeChecker();
  const seen = new Set<ts.Symbol>();
  const missing: Undocumented[] = [];
  const examples = new Set<string>();
  let checked = 0;

  function visitModule(moduleSymbol: ts.Symbol, prefix: string): void {
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const name = `${prefix}.${exported.name}`;
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declarations = target.declarations ?? [];
      // `export * as nn from './nn/index.js'`: a namespace of a module, documented by its members
      if (declarations.some((d) => ts.isSourceFile(d))) {
        if (!seen.has(target)) {
          seen.add(target);
          visitModule(target, name);
        }
        continue;
      }
      if (seen.has(target)) continue;
      seen.add(target);
      checked++;
      const documented = target.getDocumentationComment(checker).length > 0 ||
        declarations.some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
      if (target.getJsDocTags(checker).some((t) => t.name === 'example')) examples.add(name);
      if (!documented) {
        const d = declarations[0];
        const where = d ? `${d.getSourceFile().fileName.replace(/^.*?\/src\//, 'src/')}:${d.getSourceFile().getLineAndCharacterOfPosition(d.getStart()).line + 1}` : '?';
        missing.push({ name, where });
      }
    }
  }

  for (const [name, file] of Object.entries(entries)) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`entry ${file} is not in the program`);
    const symbol = checker.getSymbolAtLocation(source);
    if (!symbol) throw new Error(`entry ${file} is not a module`);
    visitModule(symbol, name);
  }
  return { checked, missing, examples };
}
