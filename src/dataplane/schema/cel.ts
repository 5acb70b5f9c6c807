/**
 * CEL for the CRDs' `x-kubernetes-validations` rules: one environment with the Kubernetes additions the
 * Gateway API rules use, a compiler that fails loudly on a rule it cannot compile, and the Kubernetes
 * property-name escaping (`namespace` is `__namespace__` inside a rule).
 */
import { isIP } from 'net';
import { RE2JS } from 're2js';

/** The part of @marcbachmann/cel-js used here (the package is ESM-only; it is loaded with require). */
interface CelModule {
  Environment: new (options?: Record<string, unknown>) => CelEnvironment;
}
interface CelEnvironment {
  registerVariable(name: string, type: string): CelEnvironment;
  registerFunction(signature: string, handler: (...args: any[]) => unknown): CelEnvironment;
  parse(expression: string): CelProgram;
  check(expression: string): { valid: boolean; type?: string; error?: Error };
}
interface CelProgram {
  (context: Record<string, unknown>): unknown;
  readonly ast: CelAstNode;
}
interface CelAstNode {
  readonly op: string;
  readonly args: unknown;
}


/** A compiled rule, ready to evaluate with `self` bound. */
export interface CompiledRule {
  /** The rule as written in the CRD. */
  readonly rule: string;
  /** The CRD's message for the rule, if any. */
  readonly message?: string;
  /** True for transition rules (they read `oldSelf`): skipped, since there is no old object on create. */
  readonly transition: boolean;
  /** Evaluates the rule; returns true when it holds. Throws when the rule cannot be evaluated. */
  evaluate(self: unknown): boolean;
}

const REGEX_CACHE = new Map<string, RE2JS>();

/** CEL's `matches`: RE2 syntax, unanchored search, as in cel-go. */
export function re2Matches(value: string, pattern: string): boolean {
  let re = REGEX_CACHE.get(pattern);
  if (!re) {
    re = RE2JS.compile(pattern);
    REGEX_CACHE.set(pattern, re);
  }
  return re.test(value);
}

const MATCHES_FUNCTION = 'k8sRe2Matches';
const HAS_MACRO = 'k8sHas';
/** Calls that are rewritten to this environment's own implementation (see rewriteCalls). */
const REWRITTEN_CALLS: Record<string, string> = { matches: MATCHES_FUNCTION, has: HAS_MACRO };

/**
 * CEL's `has(e.f)` for any operand `e` (the library's built-in `has` accepts only a chain of selections that
 * starts at a variable; the rules use `has(self[0].matches)`). Like cel-go: evaluates `e`, then tests the
 * presence of field `f` without reading it.
 */
function hasMacro({ args }: { args: any[] }) {
  return {
    args,
    async: false,
    typeCheck(checker: any, macro: any, ctx: any) {
      const node = macro.args[0];
      if (!node || (node.op !== '.' && node.op !== '.?')) {
        throw checker.createError('invalid_macro_argument', 'has() invalid argument: expected a field selection such as has(self.field)', node);
      }
      checker.check(node.args[0], ctx);
      return checker.getType('bool');
    },
    evaluate(ev: any, macro: any, ctx: any) {
      const node = macro.args[0];
      const target = ev.run(node.args[0], ctx);
      const field: string = node.args[1];
      if (target instanceof Map) return target.has(field);
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
        return Object.prototype.hasOwnProperty.call(target, field) && target[field] !== undefined && target[field] !== null;
      }
      throw new Error(`has() on a value that has no fields (selecting ${JSON.stringify(field)})`);
    },
  };
}

/**
 * `isIP` of the Kubernetes CEL IP library: an IPv4 or IPv6 address as Go's `netip.ParseAddr` reads it, without an
 * IPv6 zone and not an IPv4-mapped IPv6 address (both refused by the library).
 */
export function isIpAddress(s: string): boolean {
  if (s.includes('%')) return false;
  const family = isIP(s);
  if (family === 6 && /^::ffff:(\d+\.\d+\.\d+\.\d+|[0-9a-f]{1,4}:[0-9a-f]{1,4})$/i.test(s)) return false;
  return family !== 0;
}

let environment: CelEnvironment | undefined;

function env(): CelEnvironment {
  if (!environment) {
    // Loaded on first use: importing this module stays cheap.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cel: CelModule = require('@marcbachmann/cel-js');
    environment = new cel.Environment()
      .registerVariable('self', 'dyn')
      .registerVariable('oldSelf', 'dyn')
      // The built-in `matches` uses JavaScript regular expressions; Kubernetes uses RE2 (e.g. `(?i)` inside
      // a pattern). Rules are rewritten to call this function instead (see rewriteCalls).
      .registerFunction(`string.${MATCHES_FUNCTION}(string): bool`, (s: string, re: string) => re2Matches(s, re))
      .registerFunction(`${MATCHES_FUNCTION}(string, string): bool`, (s: string, re: string) => re2Matches(s, re))
      .registerFunction(`${HAS_MACRO}(ast): bool`, hasMacro as any)
      // Kubernetes' CEL IP library (TLSRoute hostnames: `self.all(h, !isIP(h))`).
      .registerFunction('isIP(string): bool', isIpAddress);
  }
  return environment;
}

/**
 * Compiles one rule. Throws an Error naming `where` when the rule does not parse, does not type-check,
 * or uses something this environment does not provide.
 */
export function compileRule(rule: string, message: string | undefined, where: string): CompiledRule {
  let program: CelProgram;
  const source = rewriteCalls(rule);
  try {
    program = env().parse(source);
  } catch (e: any) {
    throw new Error(`${where}: cannot compile the CEL rule ${JSON.stringify(rule)}: ${firstLine(e.message)}`);
  }
  const checked = env().check(source);
  if (!checked.valid) {
    throw new Error(`${where}: the CEL rule ${JSON.stringify(rule)} does not type-check: ${firstLine(checked.error?.message ?? 'unknown error')}`);
  }
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    throw new Error(`${where}: the CEL rule ${JSON.stringify(rule)} has type ${checked.type}, expected bool`);
  }
  const names = collectNames(program.ast);
  for (const name of Object.keys(REWRITTEN_CALLS)) {
    if (names.calls.has(name)) throw new Error(`${where}: the CEL rule ${JSON.stringify(rule)} still calls ${name} after the rewrite`);
  }
  for (const pattern of names.matchPatterns) {
    try {
      RE2JS.compile(pattern);
    } catch (e: any) {
      throw new Error(`${where}: the CEL rule ${JSON.stringify(rule)} has an invalid RE2 pattern ${JSON.stringify(pattern)}: ${e.message}`);
    }
  }
  const transition = names.ids.has('oldSelf');
  return {
    rule,
    message,
    transition,
    evaluate(self: unknown): boolean {
      const result = program({ self });
      if (typeof result !== 'boolean') throw new Error(`the rule returned ${typeof result}, not a bool`);
      return result;
    },
  };
}

/**
 * Replaces calls of `matches(...)` (receiver or global form) by the RE2 function and `has(...)` by the macro
 * above, leaving string literals and field selections such as `self.matches[0]` alone.
 */
export function rewriteCalls(rule: string): string {
  let out = '';
  let i = 0;
  const n = rule.length;
  while (i < n) {
    const c = rule[i];
    // String literals, with optional r/R/b/B prefixes (the prefix letters were copied as identifier chars).
    if (c === '"' || c === "'") {
      const prefix = /[rRbB]{1,2}$/.exec(out)?.[0] ?? '';
      const raw = /[rR]/.test(prefix) && !/[A-Za-z0-9_]/.test(out[out.length - prefix.length - 1] ?? '');
      const triple = rule.startsWith(c.repeat(3), i);
      const quote = triple ? c.repeat(3) : c;
      let j = i + quote.length;
      while (j < n && !rule.startsWith(quote, j)) {
        if (!raw && rule[j] === '\\') j++;
        j++;
      }
      j = Math.min(n, j + quote.length);
      out += rule.slice(i, j);
      i = j;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(rule[j])) j++;
      const ident = rule.slice(i, j);
      let k = j;
      while (k < n && /\s/.test(rule[k])) k++;
      const afterDot = /\.\s*$/.test(out);
      const call = rule[k] === '(';
      out += call && (ident === 'matches' || (ident === 'has' && !afterDot)) ? REWRITTEN_CALLS[ident] : ident;
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

interface Names {
  ids: Set<string>;
  calls: Set<string>;
  matchPatterns: string[];
}

function collectNames(root: CelAstNode): Names {
  const names: Names = { ids: new Set(), calls: new Set(), matchPatterns: [] };
  const visit = (node: any): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (typeof node.op !== 'string') return;
    const args = node.args;
    switch (node.op) {
      case 'id':
        names.ids.add(args);
        return;
      case 'value':
        return;
      case 'call':
        names.calls.add(args[0]);
        if (args[0] === MATCHES_FUNCTION) collectPattern(args[1][1]);
        visit(args[1]);
        return;
      case 'rcall':
        names.calls.add(args[0]);
        if (args[0] === MATCHES_FUNCTION) collectPattern(args[2][0]);
        visit(args[1]);
        visit(args[2]);
        return;
      case '.':
      case '.?':
        visit(args[0]);
        return;
      default:
        visit(args);
    }
  };
  const collectPattern = (node: any): void => {
    if (node && node.op === 'value' && typeof node.args === 'string') names.matchPatterns.push(node.args);
  };
  visit(root);
  return names;
}

const CEL_RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if',
  'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

/**
 * The name a schema property has inside CEL (Kubernetes escaping): reserved words become `__word__`;
 * `__`, `.`, `-` and `/` become `__underscores__`, `__dot__`, `__dash__` and `__slash__`.
 * Returns undefined for a name that cannot be accessed from CEL.
 */
export function celPropertyName(name: string): string | undefined {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name.replace(/__/g, '__underscores__').replace(/\./g, '__dot__').replace(/-/g, '__dash__').replace(/\//g, '__slash__');
}

function firstLine(s: string): string {
  return String(s).split('\n')[0];
}
