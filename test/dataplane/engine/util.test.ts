/**
 * Engine helpers: durations, regex literal prefixes, query parsing.
 */
import { compileRegex, decodeComponent, literalPrefix, parseDuration, parseQuery } from '../../../src/dataplane/engine/util';

describe('parseDuration', () => {
  test.each([
    ['0s', 0], ['500ms', 500], ['1s', 1000], ['1m30s', 90_000], ['1h', 3_600_000], ['1h2m3s4ms', 3_723_004], ['99999ms', 99_999],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each([['1.5s'], ['1d'], [''], ['100000s'], ['1h1h1h1h1h'], ['-1s'], [5], [undefined]])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('literalPrefix', () => {
  test.each([
    ['/api/v1/.*', '/api/v1/'],
    ['^/api', '/api'],
    ['/ab?c', '/a'],
    ['/ab*c', '/a'],
    ['/ab{0,2}', '/a'],
    ['/ab+c', '/ab'],
    ['/a\\.b/.*', '/a.b/'],
    ['/a\\.?b', '/a'],
    ['/a\\d+', '/a'],
    ['/a|/b', ''],
    ['(?i)/api', ''],
    ['[/]api', ''],
  ])('%s must start with %j', (pattern, prefix) => {
    expect(literalPrefix(pattern)).toBe(prefix);
  });

  test('every string a pattern matches starts with its literal prefix', () => {
    const cases: [string, string[]][] = [
      ['/ab?c', ['/ac', '/abc']],
      ['/a\\.?b', ['/ab', '/a.b']],
      ['/ab{0,2}', ['/a', '/abb']],
    ];
    for (const [pattern, samples] of cases) {
      const re = compileRegex(pattern);
      for (const s of samples) {
        expect(re(s)).toBe(true);
        expect(s.startsWith(literalPrefix(pattern))).toBe(true);
      }
    }
  });
});

describe('query parsing', () => {
  test('first value per name; names and values percent-decoded; "+" kept; missing "=" is an empty value', () => {
    expect([...parseQuery('a=1&a=2&b=%41%2F&c&d=x+y&=e&&')]).toEqual([['a', '1'], ['b', 'A/'], ['c', ''], ['d', 'x+y'], ['', 'e']]);
  });

  test('malformed escapes never throw: valid ASCII escapes are decoded, the rest kept', () => {
    expect(decodeComponent('a%zz%41%E0%A4')).toBe('a%zzA%E0%A4');
    expect(decodeComponent('%')).toBe('%');
    expect(decodeComponent('%C3%A9')).toBe('é');
  });
});
