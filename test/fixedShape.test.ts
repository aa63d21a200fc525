// Objects of a fixed list of keys, from compiled object literals (src/fixedShape.ts): the same objects a loop of
// keyed stores makes, whatever the names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromValues, picking } from '../src/fixedShape.ts';

test('fromValues: each key takes the value at its place, in order; a key listed twice holds the later value', () => {
  const build = fromValues(['id', 'display_name', 'weird "name"\n', 'id']);
  const o = build(['a', null, 3, 'b']);
  assert.deepEqual(o, { id: 'b', display_name: null, 'weird "name"\n': 3 });
  assert.deepEqual(Object.keys(o), ['id', 'display_name', 'weird "name"\n']);
  assert.equal(Object.getPrototypeOf(o), Object.prototype);
});

test('fromValues: __proto__ is an own key, never the prototype', () => {
  const o = fromValues(['__proto__', 'x'])([{ polluted: true }, 1]);
  assert.equal(Object.getPrototypeOf(o), Object.prototype);
  assert.equal((o as { polluted?: boolean }).polluted, undefined);
  assert.deepEqual(Object.getOwnPropertyDescriptor(o, '__proto__')?.value, { polluted: true });
  assert.equal(o.x, 1);
});

test('picking: the keys in the order given, arrays joined only where asked, missing values undefined', () => {
  const pick = picking([
    { name: 'number', joinArray: false },
    { name: 'allowedAudiences', joinArray: true },
    { name: 'tags', joinArray: false },
    { name: 'absent', joinArray: false },
  ]);
  const o = pick({ allowedAudiences: ['me', 'family'], tags: ['a', 'b'], number: '+1', other: 'left out' });
  assert.deepEqual(Object.entries(o), [
    ['number', '+1'],
    ['allowedAudiences', 'me,family'],
    ['tags', ['a', 'b']],
    ['absent', undefined],
  ]);
  assert.equal(pick({ allowedAudiences: null }).allowedAudiences, null);
});

test('picking: __proto__ is an own key, never the prototype', () => {
  const source = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as Record<string, unknown>;
  const o = picking([{ name: '__proto__', joinArray: false }, { name: 'x', joinArray: false }])(source);
  assert.equal(Object.getPrototypeOf(o), Object.prototype);
  assert.equal((o as { polluted?: boolean }).polluted, undefined);
  assert.deepEqual(Object.getOwnPropertyDescriptor(o, '__proto__')?.value, { polluted: true });
  assert.equal(o.x, 1);
});
