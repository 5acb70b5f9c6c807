// No name of the hand-written API is renamed by a language binding. jsii warns about every member or parameter named
// like a reserved word of some language (JSII5018), but a binding only renames a name it keeps in that spelling:
// Python keeps every name lower-case (`from` becomes `from_`); Java keeps methods, parameters and the builder methods
// of structs; Go and C# capitalize members (`type` is `Type()`, `namespace` is `Namespace`) and keep only parameters
// (`type_`, `@namespace`). This test reads the jsii assembly and fails on any name a binding would rename; the
// warnings that remain (listed in the README) are of names no binding renames. The generated L1 (`l1`) keeps the
// CRDs' field names and is not checked.
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './harness';

// jsii's own lists (the ones behind JSII5018); the package does not export the module, so it is loaded by path.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const reserved = require(path.join(ROOT, 'node_modules', 'jsii', 'lib', 'reserved-words.js'));

type Place = 'parameter' | 'method' | 'struct field' | 'property';

/** Which names each binding keeps as they are spelled in TypeScript. */
const KEPT: Array<{ language: string; words: Set<string>; places: Place[] }> = [
  { language: 'Python', words: reserved.PYTHON_RESERVED, places: ['parameter', 'method', 'struct field', 'property'] },
  { language: 'Java', words: reserved.JAVA_RESERVED, places: ['parameter', 'method', 'struct field'] },
  { language: 'Go', words: reserved.GO_RESERVED, places: ['parameter'] },
  { language: 'C#', words: reserved.CSHARP_RESERVED, places: ['parameter'] },
];

interface Name { readonly where: string; readonly name: string; readonly place: Place }

/** Every name of the hand-written API in the assembly, with where it is and what it is. */
function apiNames(): Name[] {
  const assembly = JSON.parse(fs.readFileSync(path.join(ROOT, '.jsii'), 'utf8'));
  const names: Name[] = [];
  for (const [fqn, type] of Object.entries<any>(assembly.types)) {
    if (fqn.startsWith('cdk8s-gateway.l1.')) continue;
    const short = fqn.slice('cdk8s-gateway.'.length);
    for (const p of type.properties ?? []) {
      names.push({ where: `${short}.${p.name}`, name: p.name, place: type.datatype ? 'struct field' : 'property' });
    }
    const callables = [...(type.initializer ? [{ name: 'constructor', ...type.initializer }] : []), ...(type.methods ?? [])];
    for (const m of callables) {
      if (m.name !== 'constructor') names.push({ where: `${short}.${m.name}()`, name: m.name, place: 'method' });
      for (const p of m.parameters ?? []) {
        names.push({ where: `${short}.${m.name}(${p.name})`, name: p.name, place: 'parameter' });
      }
    }
  }
  return names;
}

/** The names a binding renames, as `<language>: <where> (<place>)`. */
function renamed(names: Name[]): string[] {
  return KEPT.flatMap(({ language, words, places }) => names
    .filter((n) => places.includes(n.place) && words.has(n.name))
    .map((n) => `${language}: ${n.where} (${n.place})`));
}

test('no name of the hand-written API is renamed by the Python, Java, Go or C# binding', () => {
  // GIVEN the assembly the bindings are generated from
  const names = apiNames();
  // THEN it has the API's names, and none of them is a reserved word where its binding keeps it
  expect(names.length).toBeGreaterThan(100);
  expect(names).toContainEqual({ where: 'ReferenceGrantProps.fromObjects', name: 'fromObjects', place: 'struct field' });
  expect(renamed(names)).toStrictEqual([]);
});

test('fails on a name each binding would rename', () => {
  // GIVEN names that the Python, Java, Go and C# bindings would rename, and ones they capitalize
  const names: Name[] = [
    { where: 'ReferenceGrantProps.from', name: 'from', place: 'struct field' },
    { where: 'Listener.default()', name: 'default', place: 'method' },
    { where: 'PathMatch.of(type)', name: 'type', place: 'parameter' },
    { where: 'CertificateRef.fromSecretName(namespace)', name: 'namespace', place: 'parameter' },
    { where: 'PathMatch.type', name: 'type', place: 'property' },
    { where: 'BackendRef.namespace', name: 'namespace', place: 'property' },
  ];
  // THEN the renamed ones are named, each with its language, and the capitalized ones are not
  expect(renamed(names)).toStrictEqual([
    'Python: ReferenceGrantProps.from (struct field)',
    'Java: Listener.default() (method)',
    'Go: PathMatch.of(type) (parameter)',
    'C#: CertificateRef.fromSecretName(namespace) (parameter)',
  ]);
});
