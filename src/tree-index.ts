// A cached view of the construct tree for the app-wide checks (routes that meet on a listener, ReferenceGrants).
// Internal: not exported from index.ts.
//
// Every route validates against every other route of the app; walking the whole tree for each of them is
// quadratic (1,000 routes: seconds). The view walks it once and is rebuilt after any Gateway API construct of this
// library is created or changed (`treeChanged()`, called by their constructors and add* methods), which is all the
// app-wide checks depend on.
import { IConstruct } from 'constructs';

let generation = 0;

/** @internal Marks the Gateway API constructs as changed: views are rebuilt on next use. */
export function treeChanged(): void {
  generation++;
}

interface View {
  readonly generation: number;
  readonly all: IConstruct[];
  readonly memo: Map<string, unknown>;
}

const views = new WeakMap<IConstruct, View>();

function view(scope: IConstruct): View {
  const root = scope.node.root;
  let v = views.get(root);
  if (v === undefined || v.generation !== generation) {
    v = { generation, all: root.node.findAll(), memo: new Map() };
    views.set(root, v);
  }
  return v;
}

/** @internal Every construct of the app of `scope`, in `findAll()` order. */
export function allConstructs(scope: IConstruct): readonly IConstruct[] {
  return view(scope).all;
}

/** @internal `compute()` once per view of the app of `scope` (rebuilt when the Gateway API constructs change). */
export function memoized<T>(scope: IConstruct, key: string, compute: () => T): T {
  const v = view(scope);
  if (!v.memo.has(key)) v.memo.set(key, compute());
  return v.memo.get(key) as T;
}
