/* eslint-disable import/no-extraneous-dependencies, no-bitwise */ // scripts/ is not shipped; TypeScript's symbol flags are bit sets
/**
 * Writes the reference of the testing module (`cdk8s-gateway/lib/testing`: RouteTester and its jest matchers) into
 * API.md, after the jsii reference that jsii-docgen writes (the testing module is TypeScript/JavaScript only, so jsii
 * does not document it). Run by the `docgen` task after jsii-docgen:
 *
 *   ts-node -P tsconfig.dev.json scripts/testing-api.ts [API.md]
 *
 * Every exported class, interface and value of src/testing/ is listed with its doc comment and the signature of
 * each public member; interfaces list their inherited properties too (e.g. RouteResult's fields from the engine).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');
const ENTRY = path.join(ROOT, 'src', 'testing', 'index.ts');
const HEADING = '## Testing <a name="Testing" id="testing"></a>';
const SUBMODULES_LINE = '- [l1](./l1.md)';
const POINTER = '- [Testing](#testing): `cdk8s-gateway/lib/testing` (RouteTester and its jest matchers; TypeScript and JavaScript)';

/** The doc comment of a symbol: summary, remarks and the `@default` tag. */
function docOf(symbol: ts.Symbol, checker: ts.TypeChecker): string {
  const text = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  const defaults = symbol.getJsDocTags(checker).filter((t) => t.name === 'default').map((t) => ts.displayPartsToString(t.text).trim());
  return [text, ...defaults.map((d) => `Default: ${d}`)].filter((s) => s.length > 0).join('\n\n');
}

/** One line of a table cell: the doc with line breaks as spaces and `|` escaped. */
function cell(text: string): string {
  return (text || '*No description.*').replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

function anchor(name: string): string {
  return `<a name="testing.${name}" id="testing.${name}"></a>`;
}

function isPublic(decl: ts.Declaration | undefined): boolean {
  if (decl === undefined) return true;
  const flags = ts.getCombinedModifierFlags(decl);
  return (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) === 0 && !(decl as any).name?.getText?.().startsWith('#');
}

/** The markdown of one exported symbol. */
function describe(symbol: ts.Symbol, checker: ts.TypeChecker): string[] {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const decl = target.declarations?.[0];
  if (decl === undefined) return [];
  const name = symbol.getName();
  const out = [`### ${name} ${anchor(name)}`, '', docOf(target, checker), ''];
  const memberRows = (members: ts.Symbol[], at: ts.Node) => members
    .filter((m) => isPublic(m.valueDeclaration ?? m.declarations?.[0]) && !m.getName().startsWith('_'))
    .map((m) => {
      const type = checker.getTypeOfSymbolAtLocation(m, at);
      const signatures = type.getCallSignatures();
      const method = (m.flags & ts.SymbolFlags.Method) !== 0 || ts.isMethodSignature(m.valueDeclaration ?? decl);
      const shape = signatures.length > 0 && method
        ? signatures.map((s) => `${m.getName()}${checker.signatureToString(s, at, ts.TypeFormatFlags.NoTruncation)}`).join('<br>')
        : `${m.getName()}${m.flags & ts.SymbolFlags.Optional ? '?' : ''}: ${checker.typeToString(type, at, ts.TypeFormatFlags.NoTruncation)}`;
      return `| <code>${shape.replace(/import\("[^"]*"\)\./g, '').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</code> | ${cell(docOf(m, checker))} |`;
    });
  const table = (title: string, rows: string[]) => (rows.length === 0 ? [] : [`#### ${title}`, '', '| **Member** | **Description** |', '| --- | --- |', ...rows, '']);
  if (ts.isClassDeclaration(decl)) {
    const statics = checker.getPropertiesOfType(checker.getTypeOfSymbolAtLocation(target, decl)).filter((m) => m.getName() !== 'prototype');
    const instance = checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(target));
    out.push(...table('Static methods', memberRows(statics, decl)), ...table('Members', memberRows(instance, decl)));
  } else if (ts.isInterfaceDeclaration(decl)) {
    out.push(...table('Properties', memberRows(checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(target)), decl)));
  } else if (ts.isVariableDeclaration(decl)) {
    out.push(...table('Matchers', memberRows(checker.getPropertiesOfType(checker.getTypeOfSymbolAtLocation(target, decl)), decl)));
  }
  return out;
}

/** The testing section: the module's doc comment, then every export. */
export function testingReference(): string {
  const program = ts.createProgram([ENTRY], { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS, strict: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(ENTRY)!;
  const moduleSymbol = checker.getSymbolAtLocation(source)!;
  const header = /^\/\*\*([\s\S]*?)\*\//.exec(source.getFullText())?.[1].split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n').trim() ?? '';
  const exports = checker.getExportsOfModule(moduleSymbol).sort((a, b) => a.getName().localeCompare(b.getName()));
  const sections = exports.flatMap((s) => describe(s, checker));
  return [HEADING, '', header, '', ...sections].join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

/** API.md with the testing section (replacing a previous one) and a pointer to it at the top. */
export function withTestingReference(api: string): string {
  const start = api.indexOf(HEADING);
  const jsii = (start < 0 ? api : api.slice(0, start)).trimEnd() + '\n';
  const pointed = jsii.includes(POINTER) ? jsii : jsii.replace(SUBMODULES_LINE, `${SUBMODULES_LINE}\n${POINTER}`);
  return `${pointed}\n${testingReference()}`;
}

if (require.main === module) {
  const file = path.resolve(process.argv[2] ?? path.join(ROOT, 'API.md'));
  fs.writeFileSync(file, withTestingReference(fs.readFileSync(file, 'utf8')));
}
