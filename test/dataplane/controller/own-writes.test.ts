/**
 * `OwnWrites`: the controller tells the watch events of its own status writes (their echo, not checked again) from
 * other changes of the status (checked), whether the event comes after the write's answer or before it.
 */
import { OwnWrites, sameValue } from '../../../src/dataplane/controller/controller';

const KEY = 'HTTPRoute ns/web';

describe('OwnWrites', () => {
  test('GIVEN a write that left resourceVersion 7 WHEN the event of 7 comes THEN it is the echo, and a later event of 8 is not', () => {
    // GIVEN
    const own = new OwnWrites();
    own.begin(KEY);
    expect(own.end(KEY, '7')).toBe(false);

    // WHEN / THEN
    expect(own.isEcho(KEY, '7')).toBe(true);
    expect(own.isEcho(KEY, '8')).toBe(false);
  });

  test('GIVEN a write under way WHEN its own event comes before its answer THEN no check is needed when it ends', () => {
    // GIVEN
    const own = new OwnWrites();
    own.begin(KEY);

    // WHEN
    const echo = own.isEcho(KEY, '7');

    // THEN
    expect(echo).toBe(true);
    expect(own.end(KEY, '7')).toBe(false);
    // (nothing left to expect: the next event is another change)
    expect(own.isEcho(KEY, '7')).toBe(false);
  });

  test('GIVEN a write under way WHEN another change of the status comes before its answer THEN the write\'s end asks for a check', () => {
    // GIVEN
    const own = new OwnWrites();
    own.begin(KEY);

    // WHEN another writer's change (a later resourceVersion than the write left)
    own.isEcho(KEY, '9');

    // THEN
    expect(own.end(KEY, '7')).toBe(true);
  });

  test('GIVEN a write that failed WHEN an event came meanwhile THEN it is checked', () => {
    // GIVEN
    const own = new OwnWrites();
    own.begin(KEY);
    own.isEcho(KEY, '5');

    // WHEN / THEN
    expect(own.end(KEY, undefined)).toBe(true);
  });

  test('GIVEN a write that left 7 WHEN the object changes otherwise first THEN an event of 7 is not taken for the echo', () => {
    // GIVEN
    const own = new OwnWrites();
    own.begin(KEY);
    own.end(KEY, '7');

    // WHEN
    own.forget(KEY);

    // THEN
    expect(own.isEcho(KEY, '7')).toBe(false);
  });
});

describe('sameValue', () => {
  test('GIVEN facts built twice WHEN compared THEN equal data is the same, a changed reason or an extra parent is not', () => {
    // GIVEN
    const facts = (reason: string, parents = 1) => ({
      kind: 'HTTPRoute',
      namespace: 'ns',
      name: 'web',
      parents: Array.from({ length: parents }, () => ({ parentRef: { name: 'gw' }, conditions: [{ type: 'Accepted', status: 'True', reason, message: '' }] })),
    });

    // WHEN / THEN
    expect(sameValue(facts('Accepted'), facts('Accepted'))).toBe(true);
    expect(sameValue(facts('Accepted'), facts('NotAllowedByListeners'))).toBe(false);
    expect(sameValue(facts('Accepted'), facts('Accepted', 2))).toBe(false);
    expect(sameValue(facts('Accepted'), undefined)).toBe(false);
    expect(sameValue([], {})).toBe(false);
  });
});
