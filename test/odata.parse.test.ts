// Unit tests of the $filter, $orderby and $select parsers (src/graph/odata/parse.ts) against itemPhone.
// Valid input is checked against the exact typed AST of ast.ts; invalid input against a 400 BadRequest
// GraphError whose message names the position and the offending token.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EdmType } from '../src/graph/edm.ts';
import { GraphError } from '../src/graph/errors.ts';
import type { FilterExpr, LiteralValue, PropertyRef } from '../src/graph/odata/ast.ts';
import { parseFilter, parseOrderBy, parseSelect, QUERY_LIMITS } from '../src/graph/odata/parse.ts';
import { itemPhoneType } from '../src/profile/phones/schema.ts';

const E = itemPhoneType;
const filter = (text: string) => parseFilter(text, E);

/** The PropertyRef the parser must produce for a path, read from the schema. */
function prop(path: string): PropertyRef {
  let properties = E.properties;
  let type: EdmType | undefined;
  for (const segment of path.split('/')) {
    if (type) {
      assert.equal(type.kind, 'complex');
      properties = (type as Extract<EdmType, { kind: 'complex' }>).properties;
    }
    type = properties[segment].type;
  }
  return { kind: 'property', path: path.split('/'), type: type! };
}

const cmp = (path: string, op: string, value: LiteralValue): FilterExpr => ({ kind: 'compare', op: op as 'eq', property: prop(path), value });
const and = (left: FilterExpr, right: FilterExpr): FilterExpr => ({ kind: 'and', left, right });
const or = (left: FilterExpr, right: FilterExpr): FilterExpr => ({ kind: 'or', left, right });
const not = (operand: FilterExpr): FilterExpr => ({ kind: 'not', operand });
const IS_SEARCHABLE = cmp('isSearchable', 'eq', true);

function assertBadQuery(run: () => unknown, ...fragments: string[]): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof GraphError, `not a GraphError: ${String(err)}`);
    assert.equal(err.status, 400);
    assert.equal(err.code, 'BadRequest');
    for (const fragment of fragments) assert.ok(err.message.includes(fragment), `message ${JSON.stringify(err.message)} lacks ${JSON.stringify(fragment)}`);
    return true;
  });
}
const rejectsFilter = (text: string, ...fragments: string[]) => assertBadQuery(() => filter(text), ...fragments);
const rejectsOrderBy = (text: string, ...fragments: string[]) => assertBadQuery(() => parseOrderBy(text, E), ...fragments);
const rejectsSelect = (text: string, ...fragments: string[]) => assertBadQuery(() => parseSelect(text, E), ...fragments);

describe('$filter: comparisons', () => {
  test('the property refs carry the resolved EDM type', () => {
    assert.deepEqual(prop('inference/confidenceScore').type, { kind: 'double' });
    assert.deepEqual(filter("number eq '+1 555'"), {
      kind: 'compare',
      op: 'eq',
      property: { kind: 'property', path: ['number'], type: { kind: 'string', maxLength: 128 } },
      value: '+1 555',
    });
  });

  for (const op of ['eq', 'ne', 'gt', 'ge', 'lt', 'le']) {
    test(`string ${op}`, () => assert.deepEqual(filter(`displayName ${op} 'Work'`), cmp('displayName', op, 'Work')));
    test(`double ${op}`, () => assert.deepEqual(filter(`inference/confidenceScore ${op} 0.5`), cmp('inference/confidenceScore', op, 0.5)));
    test(`dateTimeOffset ${op}`, () =>
      assert.deepEqual(filter(`createdDateTime ${op} 2026-01-01T00:00:00Z`), cmp('createdDateTime', op, '2026-01-01T00:00:00.0000000Z')));
  }

  const flips = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' };
  for (const [written, turned] of Object.entries(flips)) {
    test(`a literal on the left is turned around: 5 ${written} x is x ${turned} 5`, () => {
      assert.deepEqual(filter(`5 ${written} inference/confidenceScore`), cmp('inference/confidenceScore', turned, 5));
      assert.deepEqual(filter(`'m' ${written} number`), cmp('number', turned, 'm'));
    });
  }

  test('literals on the left for every type', () => {
    assert.deepEqual(filter('null eq inference'), cmp('inference', 'eq', null));
    assert.deepEqual(filter('true ne isSearchable'), cmp('isSearchable', 'ne', true));
    assert.deepEqual(filter("'mobile' eq type"), cmp('type', 'eq', 'mobile'));
    assert.deepEqual(filter('2026-01-01T00:00Z lt lastModifiedDateTime'), cmp('lastModifiedDateTime', 'gt', '2026-01-01T00:00:00.0000000Z'));
  });

  test('numbers: integers, decimals, exponents, negatives; -0 is 0', () => {
    for (const [text, value] of [['0', 0], ['-0', 0], ['42', 42], ['-1.25', -1.25], ['1e3', 1000], ['2.5E-1', 0.25], ['-1e+2', -100]] as const) {
      const got = filter(`inference/confidenceScore eq ${text}`);
      assert.deepEqual(got, cmp('inference/confidenceScore', 'eq', value));
      assert.ok(Object.is((got as { value: number }).value, value), text);
    }
  });

  test('malformed and out-of-range numbers', () => {
    rejectsFilter('inference/confidenceScore eq 1e400', 'out of range', "'1e400'", 'position 30');
    rejectsFilter('inference/confidenceScore eq 1x', 'malformed', "'1x'", 'position 30');
    rejectsFilter('inference/confidenceScore eq 1.2.3', 'malformed', "'1.2.3'");
    rejectsFilter('inference/confidenceScore eq 5-3', 'malformed', "'5-3'");
    rejectsFilter('inference/confidenceScore eq .5', 'unexpected character', "'.'", 'position 30');
    rejectsFilter('inference/confidenceScore eq 1.', 'malformed');
    rejectsFilter('inference/confidenceScore eq - 1', 'unexpected character', "'-'", 'position 30');
    rejectsFilter('inference/confidenceScore eq -inference/confidenceScore', 'unexpected character', "'-'");
  });

  test('string literals: doubled quotes, empty, unicode', () => {
    assert.deepEqual(filter("displayName eq 'it''s'"), cmp('displayName', 'eq', "it's"));
    assert.deepEqual(filter("displayName eq ''''"), cmp('displayName', 'eq', "'"));
    assert.deepEqual(filter("displayName eq ''''''"), cmp('displayName', 'eq', "''"));
    assert.deepEqual(filter("displayName eq ''"), cmp('displayName', 'eq', ''));
    assert.deepEqual(filter("displayName eq 'a''b''c'"), cmp('displayName', 'eq', "a'b'c"));
    assert.deepEqual(filter("displayName eq 'Zoë 📞 (home), and or not eq'"), cmp('displayName', 'eq', 'Zoë 📞 (home), and or not eq'));
    assert.deepEqual(filter("displayName eq '  spaced\t'"), cmp('displayName', 'eq', '  spaced\t'));
  });

  test('bad string literals', () => {
    rejectsFilter("displayName eq 'abc", 'not closed', "'abc", 'position 16');
    rejectsFilter("displayName eq 'it''s", 'not closed', 'position 16');
    rejectsFilter("displayName eq 'a\u0000b'", 'NUL', 'position 16');
    rejectsFilter("displayName eq '\uD800'", 'surrogate', 'position 16');
    rejectsFilter("displayName eq 'a' 'b'", "expected 'and', 'or' or end of input", "the string 'b'", 'position 20');
    rejectsFilter("displayName eq \"a\"", 'unexpected character', '\'"\'', 'position 16');
  });

  test('a bare GUID is a string literal', () => {
    const guid = '0d6e3f6a-2c1b-4a8e-9f3d-5b7c1e2a4d60';
    assert.deepEqual(filter(`id eq ${guid}`), cmp('id', 'eq', guid));
    assert.deepEqual(filter(`${guid} ne id`), cmp('id', 'ne', guid));
    assert.deepEqual(filter(`createdBy/user/id in (${guid}, 'x')`), { kind: 'in', property: prop('createdBy/user/id'), values: [guid, 'x'] });
    assert.deepEqual(filter('id eq ABCDEF01-2345-6789-ABCD-EF0123456789'), cmp('id', 'eq', 'ABCDEF01-2345-6789-ABCD-EF0123456789'));
    rejectsFilter(`inference/confidenceScore eq ${guid}`, 'does not fit', 'Edm.Double', 'position 30');
  });

  test('string properties: null with eq/ne only, string literals only', () => {
    assert.deepEqual(filter('displayName eq null'), cmp('displayName', 'eq', null));
    assert.deepEqual(filter('number ne null'), cmp('number', 'ne', null));
    rejectsFilter('displayName gt null', "null can only be compared with eq or ne, not 'gt'", 'position 13');
    rejectsFilter('displayName eq 5', 'The literal 5 does not fit', "'displayName'", 'Edm.String', 'position 16');
    rejectsFilter('displayName eq true', 'does not fit', 'position 16');
    rejectsFilter('displayName eq 2026-01-01T00:00:00Z', 'does not fit', 'position 16');
    rejectsFilter("displayName eq microsoft.graph.phoneType'home'", 'does not fit', 'position 16');
  });

  test('property against property, literal against literal', () => {
    rejectsFilter('displayName eq number', "Comparing two properties ('displayName' eq 'number') is not supported", 'position 1');
    rejectsFilter('1 eq 1', 'Comparing two literals (1 eq 1) is not supported', 'position 1');
    rejectsFilter("'a' ne 'b'", 'Comparing two literals', 'position 1');
    rejectsFilter('null eq null', 'Comparing two literals');
  });

  test('missing or misplaced operands', () => {
    rejectsFilter('displayName eq', 'Syntax error at position 15 in $filter: expected a literal after \'eq\' but found end of input.');
    rejectsFilter('eq 5', "expected a condition but found 'eq'", 'position 1');
    rejectsFilter('5 eq', "expected a property after 'eq' but found end of input", 'position 5');
    rejectsFilter('5', "expected a comparison operator (eq, ne, gt, ge, lt, le) after '5' but found end of input", 'position 2');
    rejectsFilter('true', "after 'true' but found end of input");
    rejectsFilter("'a' in ('a')", "expected a comparison operator", "found 'in'", 'position 5');
    rejectsFilter('number', "expected an operator (eq, ne, gt, ge, lt, le, in or has) after 'number' but found end of input", 'position 7');
    rejectsFilter('number foo', "after 'number' but found 'foo'", 'position 8');
    rejectsFilter('displayName eq eq', "expected a literal after 'eq' but found 'eq'", 'position 16');
    rejectsFilter('displayName eq (5)', "expected a literal after 'eq' but found '('", 'position 16');
    rejectsFilter('displayName eq ,', "found ','", 'position 16');
    rejectsFilter("number eq 'a' number eq 'b'", "expected 'and', 'or' or end of input but found 'number'", 'position 15');
  });
});

describe('$filter: property paths', () => {
  test('nested complex paths resolve', () => {
    assert.deepEqual(filter('inference/confidenceScore gt 0.5'), cmp('inference/confidenceScore', 'gt', 0.5));
    assert.deepEqual(filter("createdBy/user/id eq 'u1'"), cmp('createdBy/user/id', 'eq', 'u1'));
    assert.deepEqual(filter("lastModifiedBy/application/displayName eq 'App'"), cmp('lastModifiedBy/application/displayName', 'eq', 'App'));
    assert.deepEqual(filter('inference/userHasVerifiedAccuracy eq false'), cmp('inference/userHasVerifiedAccuracy', 'eq', false));
    assert.deepEqual(prop('createdBy/user/id').type, { kind: 'string', maxLength: 256 });
  });

  test('unknown properties, at any depth, name the type and the position', () => {
    rejectsFilter('foo eq 1', "The property 'foo' does not exist on type 'microsoft.graph.itemPhone' (position 1 in $filter).");
    rejectsFilter('inference/foo eq 1', "The property 'foo' does not exist on type 'microsoft.graph.inferenceData' (position 11 in $filter).");
    rejectsFilter("createdBy/user/foo eq 'x'", "'foo' does not exist on type 'microsoft.graph.identity'", 'position 16');
    rejectsFilter("isSearchable and Number eq '1'", "The property 'Number' does not exist", 'position 18');
    rejectsFilter("__proto__ eq 'x'", "The property '__proto__' does not exist");
    rejectsFilter("constructor eq 'x'", "The property 'constructor' does not exist");
    rejectsFilter("inference/toString eq 'x'", "The property 'toString' does not exist on type 'microsoft.graph.inferenceData'");
  });

  test('a path through a primitive or badly written', () => {
    rejectsFilter("number/length eq 'x'", "The property 'number' is of type 'Edm.String', which has no property 'length'", 'position 8');
    rejectsFilter('inference/ eq 5', "expected a property name right after '/' but found 'eq'", 'position 12');
    rejectsFilter('inference/ confidenceScore eq 5', "expected a property name right after '/' but found 'confidenceScore'", 'position 12');
    rejectsFilter('inference /confidenceScore eq 5', "expected an operator (eq, ne, gt, ge, lt, le, in or has) after 'inference' but found '/'", 'position 11');
    rejectsFilter('inference/', "expected a property name right after '/' but found end of input", 'position 11');
    rejectsFilter('/number eq 5', "expected a condition but found '/'", 'position 1');
    rejectsFilter('inference//confidenceScore eq 5', "expected a property name right after '/' but found '/'", 'position 11');
  });

  test('qualified names and casts are refused', () => {
    rejectsFilter("microsoft.graph.itemPhone/number eq 'x'", "Qualified names such as 'microsoft.graph.itemPhone'", 'not supported', 'position 1');
  });
});

describe('$filter: and, or, not, parentheses', () => {
  const A = "number eq 'a'";
  const B = "number eq 'b'";
  const C = "number eq 'c'";
  const a = cmp('number', 'eq', 'a');
  const b = cmp('number', 'eq', 'b');
  const c = cmp('number', 'eq', 'c');

  test('and binds tighter than or', () => {
    assert.deepEqual(filter(`${A} or ${B} and ${C}`), or(a, and(b, c)));
    assert.deepEqual(filter(`${A} and ${B} or ${C}`), or(and(a, b), c));
  });

  test('not binds tighter than and and or, and covers the whole comparison after it', () => {
    assert.deepEqual(filter(`not ${A} and ${B}`), and(not(a), b));
    assert.deepEqual(filter(`not ${A} or ${B}`), or(not(a), b));
    assert.deepEqual(filter(`${A} and not ${B}`), and(a, not(b)));
    assert.deepEqual(filter(`not not ${A}`), not(not(a)));
    assert.deepEqual(filter(`not(${A})`), not(a));
  });

  test('and / or chains associate to the left', () => {
    assert.deepEqual(filter(`${A} and ${B} and ${C}`), and(and(a, b), c));
    assert.deepEqual(filter(`${A} or ${B} or ${C}`), or(or(a, b), c));
  });

  test('parentheses override precedence; redundant ones vanish', () => {
    assert.deepEqual(filter(`(${A} or ${B}) and ${C}`), and(or(a, b), c));
    assert.deepEqual(filter(`${A} and (${B} or ${C})`), and(a, or(b, c)));
    assert.deepEqual(filter(`not (${A} or ${B})`), not(or(a, b)));
    assert.deepEqual(filter(`(((${A})))`), a);
    assert.deepEqual(filter(`((${A}) and ((${B})))`), and(a, b));
  });

  test('whitespace: tabs, runs of spaces, none around parentheses', () => {
    const expected = and(a, or(b, c));
    for (const text of [
      `${A} and (${B} or ${C})`,
      `   ${A}\t\tand  (  ${B}   or\t${C} )   `,
      `\t${A.replaceAll(' ', '\t')} and(${B} or ${C})`,
      `(${A})and(${B}or(${C}))`.replace('or(', ' or ('),
    ]) {
      assert.deepEqual(filter(text), expected, JSON.stringify(text));
    }
    assert.deepEqual(filter('(isSearchable)and(isSearchable)'), and(IS_SEARCHABLE, IS_SEARCHABLE));
    assert.deepEqual(filter("displayName eq'x'"), cmp('displayName', 'eq', 'x'));
  });

  test('newlines are not whitespace', () => {
    rejectsFilter(`${A}\nand ${B}`, 'unexpected character U+000A', 'position 14');
  });

  test('unbalanced or empty parentheses', () => {
    rejectsFilter(`(${A}`, "expected 'and', 'or' or ')' but found end of input", 'position 15');
    rejectsFilter(`${A})`, "expected 'and', 'or' or end of input but found ')'", 'position 14');
    rejectsFilter('()', "expected a condition but found ')'", 'position 2');
    rejectsFilter(`(${A} ${B})`, "expected 'and', 'or' or ')' but found 'number'", 'position 16');
  });

  test('dangling operators', () => {
    rejectsFilter(`${A} and`, "expected a condition but found end of input", 'position 18');
    rejectsFilter(`${A} or or ${B}`, "expected a condition but found 'or'", 'position 18');
    rejectsFilter('not', 'expected a condition but found end of input', 'position 4');
    rejectsFilter(`and ${A}`, "expected a condition but found 'and'", 'position 1');
  });

  test('keywords are lower case', () => {
    rejectsFilter(`${A} AND ${B}`, "found 'AND'", 'position 15', 'Keywords are lower case.');
    rejectsFilter("number EQ 'a'", "found 'EQ'", 'position 8', 'Keywords are lower case.');
    rejectsFilter('isSearchable Or isSearchable', "found 'Or'", 'Keywords are lower case.');
    rejectsFilter(`NOT ${A}`, "The property 'NOT' does not exist", 'position 1', 'Keywords are lower case.');
    rejectsFilter('isSearchable eq TRUE', "The property 'TRUE' does not exist", 'position 17', 'Keywords are lower case.');
  });
});

describe('$filter: booleans', () => {
  test('eq / ne with true, false and null', () => {
    assert.deepEqual(filter('isSearchable eq true'), IS_SEARCHABLE);
    assert.deepEqual(filter('isSearchable ne false'), cmp('isSearchable', 'ne', false));
    assert.deepEqual(filter('isSearchable eq null'), cmp('isSearchable', 'eq', null));
  });

  test('a bare boolean property means eq true, alone or combined', () => {
    assert.deepEqual(filter('isSearchable'), IS_SEARCHABLE);
    assert.deepEqual(filter('  isSearchable  '), IS_SEARCHABLE);
    assert.deepEqual(filter('not isSearchable'), not(IS_SEARCHABLE));
    assert.deepEqual(filter('(isSearchable)'), IS_SEARCHABLE);
    assert.deepEqual(filter('inference/userHasVerifiedAccuracy'), cmp('inference/userHasVerifiedAccuracy', 'eq', true));
    assert.deepEqual(filter("isSearchable and type eq 'home' or not inference/userHasVerifiedAccuracy"), or(and(IS_SEARCHABLE, cmp('type', 'eq', 'home')), not(cmp('inference/userHasVerifiedAccuracy', 'eq', true))));
  });

  test('other operators and literals are refused', () => {
    rejectsFilter('isSearchable gt true', "The operator 'gt' cannot be used with the property 'isSearchable' of type 'Edm.Boolean'", 'position 14', 'Allowed: eq, ne.');
    rejectsFilter("isSearchable eq 'true'", 'does not fit', 'expected true or false', 'position 17');
    rejectsFilter('isSearchable eq 1', 'does not fit', 'position 17');
    rejectsFilter('isSearchable in (true)', "The operator 'in' cannot be used", 'position 14');
    rejectsFilter('inference/confidenceScore', "after 'inference/confidenceScore' but found end of input");
    rejectsFilter('createdBy', "after 'createdBy' but found end of input", 'position 10');
  });
});

describe('$filter: date-times', () => {
  const at = (literal: string) => (filter(`createdDateTime ge ${literal}`) as { value: string }).value;

  test('normalised to UTC with exactly seven fractional digits', () => {
    assert.equal(at('2026-01-01T00:00:00Z'), '2026-01-01T00:00:00.0000000Z');
    assert.equal(at('2026-01-01T00:00Z'), '2026-01-01T00:00:00.0000000Z');
    assert.equal(at('2026-01-01T00:00:00.5Z'), '2026-01-01T00:00:00.5000000Z');
    assert.equal(at('2026-01-01T00:00:00.123Z'), '2026-01-01T00:00:00.1230000Z');
    assert.equal(at('2026-01-01T00:00:00.1234567Z'), '2026-01-01T00:00:00.1234567Z');
    assert.equal(at('2020-07-06T06:34:12.2294868Z'), '2020-07-06T06:34:12.2294868Z');
  });

  test('offsets convert to UTC, across days, months and years', () => {
    assert.equal(at('2026-01-01T02:00:00+02:00'), '2026-01-01T00:00:00.0000000Z');
    assert.equal(at('2026-01-01T01:00:00.12+02:00'), '2025-12-31T23:00:00.1200000Z');
    assert.equal(at('2025-12-31T20:00:00-05:30'), '2026-01-01T01:30:00.0000000Z');
    assert.equal(at('2024-02-29T23:59:59.9999999-00:01'), '2024-03-01T00:00:59.9999999Z');
    assert.equal(at('2026-06-15T12:00:00+00:00'), '2026-06-15T12:00:00.0000000Z');
    assert.equal(at('2026-06-15T12:00:00-14:00'), '2026-06-16T02:00:00.0000000Z');
    assert.equal(at('2026-06-15T12:00:00+14:00'), '2026-06-14T22:00:00.0000000Z');
    assert.equal(at('0001-01-01T00:00:00Z'), '0001-01-01T00:00:00.0000000Z');
    assert.equal(at('9999-12-31T23:59:59.9999999Z'), '9999-12-31T23:59:59.9999999Z');
  });

  test('eq / ne null, in, and every operator', () => {
    assert.deepEqual(filter('lastModifiedDateTime eq null'), cmp('lastModifiedDateTime', 'eq', null));
    assert.deepEqual(filter('createdDateTime in (2026-01-01T00:00Z, 2026-01-01T01:00+01:00)'), {
      kind: 'in',
      property: prop('createdDateTime'),
      values: ['2026-01-01T00:00:00.0000000Z', '2026-01-01T00:00:00.0000000Z'],
    });
  });

  test('invalid dates and times', () => {
    for (const bad of ['2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z', '2026-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-01-00T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:60:00Z', '2026-01-01T00:00:60Z']) {
      rejectsFilter(`createdDateTime ge ${bad}`, `The date-time literal '${bad}' is not a valid date and time (position 20 in $filter).`);
    }
    rejectsFilter('createdDateTime ge 2026-01-01T00:00:00+15:00', 'offset outside', 'position 20');
    rejectsFilter('createdDateTime ge 2026-01-01T00:00:00+14:01', 'offset outside');
    rejectsFilter('createdDateTime ge 2026-01-01T00:00:00+01:60', 'offset outside');
    rejectsFilter('createdDateTime ge 0001-01-01T00:00:00+01:00', 'outside the years 0001..9999', 'position 20');
    rejectsFilter('createdDateTime ge 9999-12-31T23:00:00-01:00', 'outside the years');
    rejectsFilter('createdDateTime ge 0000-06-01T00:00:00Z', 'outside the years');
  });

  test('malformed date-times are one token with a hint', () => {
    for (const bad of ['2026-01-01', '2026-01-01T00:00:00', '2026-01-01T00:00:00.12345678Z', '2026-01-01T00:00:00.Z', '2026-01-01 00:00:00Z', '2026-01-01t00:00:00z', '2026-01-01T0:00:00Z', '2026-01-01T00:00:00+0200', '2026-01-01T00:00:00Zand']) {
      rejectsFilter(`createdDateTime ge ${bad} or isSearchable`, `The date-time literal '${bad.split(' ')[0]}' is malformed (position 20 in $filter).`, 'YYYY-MM-DDThh:mm');
    }
  });

  test('quoted date-times and other literals do not fit', () => {
    rejectsFilter("createdDateTime ge '2026-01-01T00:00:00Z'", 'does not fit', "'Edm.DateTimeOffset'", 'without quotes', 'position 20');
    rejectsFilter('createdDateTime ge 5', 'does not fit', 'position 20');
    rejectsFilter('createdDateTime ge true', 'does not fit');
  });
});

describe('$filter: enumerations', () => {
  test('non-flags: eq, ne and in with member names, plain or qualified', () => {
    assert.deepEqual(filter("type eq 'mobile'"), cmp('type', 'eq', 'mobile'));
    assert.deepEqual(filter("type ne 'homeFax'"), cmp('type', 'ne', 'homeFax'));
    assert.deepEqual(filter("type eq microsoft.graph.phoneType'mobile'"), cmp('type', 'eq', 'mobile'));
    assert.deepEqual(filter('type eq null'), cmp('type', 'eq', null));
    assert.deepEqual(filter("type in ('home', microsoft.graph.phoneType'pager','radio')"), { kind: 'in', property: prop('type'), values: ['home', 'pager', 'radio'] });
    assert.deepEqual(filter("microsoft.graph.phoneType'mobile' eq type"), cmp('type', 'eq', 'mobile'));
  });

  test('members are case-sensitive; a wrong one lists the valid values', () => {
    rejectsFilter("type eq 'Mobile'", "'Mobile' is not a member of 'microsoft.graph.phoneType' (position 9 in $filter).", 'Valid values (case-sensitive): home, business, mobile, other, assistant, homeFax, businessFax, otherFax, pager, radio.');
    rejectsFilter("type in ('home', 'cell')", "'cell' is not a member", 'position 18');
    rejectsFilter("type eq 'home,mobile'", "'home,mobile' is not a member");
    rejectsFilter("type eq ''", "'' is not a member");
  });

  test('qualified literals must name the property type', () => {
    rejectsFilter("type eq microsoft.graph.allowedAudiences'me'", "is of type 'microsoft.graph.allowedAudiences', but the property 'type' is of type 'microsoft.graph.phoneType'", 'position 9');
    rejectsFilter("type eq microsoft.graph.phonetype'mobile'", "'microsoft.graph.phonetype'");
    rejectsFilter("type eq microsoft.graph.phoneType'mobile", 'not closed');
  });

  test('ordering operators, has, and non-string literals are refused', () => {
    for (const op of ['gt', 'ge', 'lt', 'le']) {
      rejectsFilter(`type ${op} 'home'`, `The operator '${op}' cannot be used with the property 'type' of type 'microsoft.graph.phoneType'`, 'position 6', 'Allowed: eq, ne, in.');
    }
    rejectsFilter("type has 'home'", "The operator 'has' cannot be used", 'position 6');
    rejectsFilter('type eq 1', "expected a member of 'microsoft.graph.phoneType' in single quotes", 'position 9');
    rejectsFilter('type eq 0d6e3f6a-2c1b-4a8e-9f3d-5b7c1e2a4d60', 'in single quotes');
    rejectsFilter('type in (null)', "null is not allowed in an 'in' list", 'position 10');
  });

  test('flags: has one member', () => {
    assert.deepEqual(filter("allowedAudiences has 'family'"), { kind: 'has', property: prop('allowedAudiences'), member: 'family' });
    assert.deepEqual(filter("allowedAudiences has microsoft.graph.allowedAudiences'me'"), { kind: 'has', property: prop('allowedAudiences'), member: 'me' });
    assert.deepEqual(filter("not allowedAudiences has 'everyone'"), not({ kind: 'has', property: prop('allowedAudiences'), member: 'everyone' }));
    rejectsFilter("allowedAudiences has 'me,family'", "'has' takes exactly one member of 'microsoft.graph.allowedAudiences'", "'me,family'", 'position 22');
    rejectsFilter("allowedAudiences has 'Family'", "'Family' is not a member", 'position 22');
    rejectsFilter('allowedAudiences has null', "expected a member of 'microsoft.graph.allowedAudiences' in single quotes", 'position 22');
    rejectsFilter('allowedAudiences has', "expected an enumeration member after 'has' but found end of input", 'position 21');
    rejectsFilter("allowedAudiences has microsoft.graph.phoneType'me'", "is of type 'microsoft.graph.phoneType'");
  });

  test('flags: eq / ne compare the whole set, normalised to declaration order', () => {
    assert.deepEqual(filter("allowedAudiences eq 'organization'"), cmp('allowedAudiences', 'eq', 'organization'));
    assert.deepEqual(filter("allowedAudiences eq 'family,me'"), cmp('allowedAudiences', 'eq', 'me,family'));
    assert.deepEqual(filter("allowedAudiences ne 'everyone, me,family,me'"), cmp('allowedAudiences', 'ne', 'me,family,everyone'));
    assert.deepEqual(filter("allowedAudiences eq microsoft.graph.allowedAudiences'contacts,me'"), cmp('allowedAudiences', 'eq', 'me,contacts'));
    rejectsFilter("allowedAudiences eq 'me,friends'", "'friends' is not a member of 'microsoft.graph.allowedAudiences'", 'position 21', 'Valid values');
    rejectsFilter("allowedAudiences eq 'me,'", "'' is not a member");
    rejectsFilter("allowedAudiences eq ''", "'' is not a member");
  });

  test('flags: never null, no in, no ordering', () => {
    rejectsFilter('allowedAudiences eq null', "The property 'allowedAudiences' is never null", 'position 21');
    rejectsFilter('null ne allowedAudiences', 'is never null', 'position 1');
    rejectsFilter("allowedAudiences in ('me')", "The operator 'in' cannot be used", 'position 18', 'Allowed: eq, ne, has.');
    rejectsFilter("allowedAudiences gt 'me'", "The operator 'gt' cannot be used", 'position 18');
  });
});

describe('$filter: complex properties', () => {
  test('eq / ne null only', () => {
    assert.deepEqual(filter('inference eq null'), cmp('inference', 'eq', null));
    assert.deepEqual(filter('source ne null'), cmp('source', 'ne', null));
    assert.deepEqual(filter('createdBy/user ne null'), cmp('createdBy/user', 'ne', null));
    assert.deepEqual(filter('lastModifiedBy/application eq null'), cmp('lastModifiedBy/application', 'eq', null));
  });

  test('anything else is refused', () => {
    rejectsFilter("source eq 'x'", "The literal 'x' does not fit the property 'source' of type 'microsoft.graph.personDataSources'", 'only be compared with null', 'position 11');
    rejectsFilter('inference gt null', "The operator 'gt' cannot be used with the property 'inference'", 'position 11', 'A complex property can only be compared with null.');
    rejectsFilter("createdBy in ('x')", "The operator 'in' cannot be used", 'position 11');
    rejectsFilter("createdBy has 'x'", "The operator 'has' cannot be used");
    rejectsFilter("contains(createdBy, 'x')", "needs a string property, but 'createdBy' is of type 'microsoft.graph.identitySet'", 'position 10');
  });
});

describe('$filter: a collection (source/type)', () => {
  test('the path resolves to Collection(Edm.String), with nullable items', () => {
    assert.deepEqual(prop('source/type').type, { kind: 'collection', element: { kind: 'string', maxLength: 128 }, elementNullable: true, maxItems: 32 });
  });

  test('it cannot be compared, on either side, with any operator or null', () => {
    const message =
      "The property 'source/type' is of type 'Collection(Edm.String)', a collection, which cannot be compared (position 1 in $filter). Lambda operators (any, all), which test the items of a collection, are not supported.";
    rejectsFilter("source/type eq 'User'", message);
    for (const text of ["source/type ne 'User'", "source/type gt 'a'", 'source/type eq null', "source/type in ('User')", "source/type has 'User'", 'source/type']) {
      rejectsFilter(text, "The property 'source/type' is of type 'Collection(Edm.String)', a collection, which cannot be compared (position 1 in $filter).");
    }
    rejectsFilter("'User' eq source/type", "'source/type' is of type 'Collection(Edm.String)', a collection, which cannot be compared (position 11 in $filter).");
    rejectsFilter("number eq '1' and not (source/type eq 'x')", 'a collection, which cannot be compared (position 24 in $filter).');
    rejectsFilter("contains(source/type,'U')", "The function 'contains' needs a string property, but 'source/type' is of type 'Collection(Edm.String)' (position 10 in $filter).", 'Lambda operators (any, all)');
  });

  test('lambda operators on it are refused by name', () => {
    rejectsFilter("source/type/any(t: t eq 'User')", "The lambda operator 'any' is not supported (position 13 in $filter).");
    rejectsFilter("source/type/all(t: t eq 'User')", "The lambda operator 'all' is not supported (position 13 in $filter).");
    rejectsFilter("source/type/any()", "The lambda operator 'any' is not supported");
    rejectsFilter("source/type/x eq 'y'", "The property 'source/type' is of type 'Collection(Edm.String)', which has no property 'x' (position 13 in $filter).");
  });

  test('source itself still compares with null', () => {
    assert.deepEqual(filter('source eq null or source ne null'), or(cmp('source', 'eq', null), cmp('source', 'ne', null)));
  });
});

describe('$filter: in', () => {
  test('strings, numbers, one value or many', () => {
    assert.deepEqual(filter("number in ('1')"), { kind: 'in', property: prop('number'), values: ['1'] });
    assert.deepEqual(filter("number in ( '1' ,'2',\t'it''s' )"), { kind: 'in', property: prop('number'), values: ['1', '2', "it's"] });
    assert.deepEqual(filter('inference/confidenceScore in (0, 0.5, 1)'), { kind: 'in', property: prop('inference/confidenceScore'), values: [0, 0.5, 1] });
    assert.deepEqual(filter("not displayName in ('User','Admin')"), not({ kind: 'in', property: prop('displayName'), values: ['User', 'Admin'] }));
  });

  test('malformed lists', () => {
    rejectsFilter('number in ()', "expected a literal in the 'in' list but found ')'", 'position 12');
    rejectsFilter("number in ('1',)", "expected a literal after ',' but found ')'", 'position 16');
    rejectsFilter("number in ('1'", "expected ',' or ')' in the 'in' list but found end of input", 'position 15');
    rejectsFilter("number in '1'", "expected '(' after 'in' but found the string '1'", 'position 11');
    rejectsFilter('number in (displayName)', "expected a literal in the 'in' list but found 'displayName'", 'position 12');
    rejectsFilter("number in ('1' '2')", "expected ',' or ')' in the 'in' list but found the string '2'", 'position 16');
    rejectsFilter("number in ('1', null)", "null is not allowed in an 'in' list (position 17 in $filter).");
    rejectsFilter("number in ('1', 2)", 'The literal 2 does not fit', 'position 17');
    rejectsFilter("number in ['1']", "unexpected character '['", 'position 11');
  });
});

describe('$filter: functions', () => {
  for (const name of ['startswith', 'endswith', 'contains'] as const) {
    test(name, () => {
      assert.deepEqual(filter(`${name}(number,'+1')`), { kind: 'function', name, property: prop('number'), value: '+1' });
      assert.deepEqual(filter(`${name}( createdBy/user/displayName , 'O''Brien' )`), { kind: 'function', name, property: prop('createdBy/user/displayName'), value: "O'Brien" });
      assert.deepEqual(filter(`not ${name}(displayName, '')`), not({ kind: 'function', name, property: prop('displayName'), value: '' }));
    });
  }

  test('combined with other conditions', () => {
    assert.deepEqual(
      filter("startswith(number,'+1') and (contains(displayName,'work') or endswith(createdBy/user/displayName,'r'))"),
      and(
        { kind: 'function', name: 'startswith', property: prop('number'), value: '+1' },
        or({ kind: 'function', name: 'contains', property: prop('displayName'), value: 'work' }, { kind: 'function', name: 'endswith', property: prop('createdBy/user/displayName'), value: 'r' }),
      ),
    );
  });

  test('only on string properties, with a string literal', () => {
    rejectsFilter("startswith(type,'mo')", "The function 'startswith' needs a string property, but 'type' is of type 'microsoft.graph.phoneType'", 'position 12');
    rejectsFilter("contains(isSearchable,'t')", "'isSearchable' is of type 'Edm.Boolean'");
    rejectsFilter('startswith(number,1)', "expected a string literal as the second argument of 'startswith' but found '1'", 'position 19');
    rejectsFilter('startswith(number,null)', "but found 'null'");
    rejectsFilter('startswith(number,displayName)', "but found 'displayName'", 'position 19');
    rejectsFilter("startswith('+1',number)", "expected a string property as the first argument of 'startswith' but found the string '+1'", 'position 12');
    rejectsFilter("startswith(nope,'x')", "The property 'nope' does not exist", 'position 12');
  });

  test('wrong argument counts', () => {
    rejectsFilter('startswith(number)', "expected ',' after the first argument of 'startswith' but found ')'", 'position 18');
    rejectsFilter("startswith(number,'a','b')", "expected ')' after the arguments of 'startswith' but found ','", 'position 22');
    rejectsFilter('startswith()', "expected a string property as the first argument of 'startswith' but found ')'", 'position 12');
    rejectsFilter("startswith(number,'a'", "expected ')' after the arguments of 'startswith' but found end of input");
  });

  test('results cannot be compared, nor used as operands', () => {
    rejectsFilter("startswith(number,'1') eq true", "Comparing the result of 'startswith' is not supported (position 24 in $filter).");
    rejectsFilter("number eq contains(number,'1')", "The function 'contains' can only be used as a condition on its own", 'position 11');
  });

  test('other functions are unsupported', () => {
    for (const name of ['tolower', 'toupper', 'length', 'substringof', 'indexof', 'year', 'now', 'trim', 'concat', 'matchesPattern', 'isof', 'cast']) {
      rejectsFilter(`${name}(number) eq 'x'`, `The function '${name}' is not supported (position 1 in $filter).`, 'Supported functions: startswith, endswith, contains.');
    }
    rejectsFilter("startswith(tolower(number),'a')", "The function 'tolower' is not supported (position 12 in $filter).");
    rejectsFilter("number eq tolower('A')", "The function 'tolower' is not supported (position 11 in $filter).");
    rejectsFilter("StartsWith(number,'a')", "The function 'StartsWith' is not supported", 'Function names are lower case: startswith.');
  });
});

describe('$filter: unsupported syntax is named', () => {
  test('arithmetic', () => {
    for (const op of ['add', 'sub', 'mul', 'div', 'divby', 'mod']) {
      rejectsFilter(`inference/confidenceScore ${op} 1 gt 2`, `The arithmetic operator '${op}' is not supported (position 27 in $filter).`);
      rejectsFilter(`inference/confidenceScore gt 1 ${op} 2`, `The arithmetic operator '${op}' is not supported (position 32 in $filter).`);
      rejectsFilter(`1 ${op} 2 lt inference/confidenceScore`, `The arithmetic operator '${op}' is not supported (position 3 in $filter).`);
    }
    rejectsFilter('inference/confidenceScore gt 1 + 2', "unexpected character '+'", 'position 32');
  });

  test('lambdas', () => {
    rejectsFilter("createdBy/any(u: u/id eq 'x')", "The lambda operator 'any' is not supported (position 11 in $filter).");
    rejectsFilter("source/all(s: s eq 'x')", "The lambda operator 'all' is not supported (position 8 in $filter).");
    rejectsFilter("any(x: x eq 'y')", "The function 'any' is not supported");
  });

  test('$it, $root, parameter aliases, typed literals', () => {
    rejectsFilter("$it/number eq 'x'", "'$it' is not supported (position 1 in $filter).");
    rejectsFilter("number eq $root/x", "'$root' is not supported (position 11 in $filter).");
    rejectsFilter('number eq @p1', "Parameter aliases such as '@p1' are not supported (position 11 in $filter).");
    rejectsFilter('@p1', "Parameter aliases such as '@p1'");
    rejectsFilter("createdDateTime ge datetime'2026-01-01T00:00:00'", "Typed literals such as datetime'...' are not supported (position 20 in $filter).");
    rejectsFilter("number eq binary'AAA='", 'Typed literals such as binary');
    rejectsFilter("number eq geography'POINT(0 0)'", 'Typed literals such as geography');
    rejectsFilter("number eq X'00'", 'Typed literals such as X');
  });

  test('stray characters', () => {
    for (const [text, shown, pos] of [
      ["number eq 'x' & isSearchable", "'&'", 15],
      ['number eq {}', "'{'", 11],
      ['isSearchable;', "';'", 13],
      ['isSearchable\u0000', 'U+0000', 13],
      ['isSearchable ==  true', "'='", 14],
      ['isSearchable\r', 'U+000D', 13],
      ['isSearchable 📞', "'📞'", 14],
    ] as const) {
      rejectsFilter(text, `Syntax error at position ${pos} in $filter: unexpected character ${shown}.`);
    }
  });
});

describe('$filter: limits', () => {
  test('empty and whitespace-only are refused', () => {
    rejectsFilter('', 'The $filter query option is empty.');
    rejectsFilter('   \t ', 'The $filter query option is empty.');
  });

  test(`nesting up to ${QUERY_LIMITS.maxFilterDepth} levels is fine, one more is refused cleanly`, () => {
    const depth = QUERY_LIMITS.maxFilterDepth;
    assert.deepEqual(filter(`${'('.repeat(depth)}isSearchable${')'.repeat(depth)}`), IS_SEARCHABLE);
    let expected = IS_SEARCHABLE;
    for (let i = 0; i < depth; i++) expected = not(expected);
    assert.deepEqual(filter(`${'not '.repeat(depth)}isSearchable`), expected);
    assert.deepEqual(filter(`${'not ('.repeat(depth / 2)}isSearchable${')'.repeat(depth / 2)}`).kind, 'not');

    rejectsFilter(`${'('.repeat(depth + 1)}isSearchable${')'.repeat(depth + 1)}`, `more than ${depth} levels deep at '('`, `position ${depth + 1} in $filter`);
    rejectsFilter(`${'not '.repeat(depth + 1)}isSearchable`, `more than ${depth} levels deep at 'not'`, `position ${4 * depth + 1} in $filter`);
    rejectsFilter(`${'(not '.repeat(depth)}isSearchable${')'.repeat(depth)}`, 'levels deep', `position ${(depth / 2) * 5 + 1} in $filter`);
  });

  test('deep nesting within the length limit never overflows the stack', () => {
    rejectsFilter('('.repeat(QUERY_LIMITS.maxLength), 'levels deep');
    rejectsFilter('not '.repeat(QUERY_LIMITS.maxLength / 4), 'levels deep');
  });

  test('long flat chains within the length limit parse', () => {
    const term = 'isSearchable or ';
    const count = Math.floor((QUERY_LIMITS.maxLength - 12) / term.length);
    const text = term.repeat(count) + 'isSearchable';
    assert.ok(text.length <= QUERY_LIMITS.maxLength);
    let node = filter(text);
    let ors = 0;
    while (node.kind === 'or') {
      ors++;
      node = node.left;
    }
    assert.equal(ors, count);
  });

  test(`at most ${QUERY_LIMITS.maxLength} characters; a 1 MB input is refused before parsing`, () => {
    const fits = `number eq '${'x'.repeat(QUERY_LIMITS.maxLength - 12)}'`;
    assert.equal(fits.length, QUERY_LIMITS.maxLength);
    assert.deepEqual(filter(fits), cmp('number', 'eq', 'x'.repeat(QUERY_LIMITS.maxLength - 12)));
    rejectsFilter(`${fits} `, `The $filter query option is ${QUERY_LIMITS.maxLength + 1} characters long; at most ${QUERY_LIMITS.maxLength} are allowed.`);
    const megabyte = 1024 * 1024;
    const started = process.hrtime.bigint();
    rejectsFilter('('.repeat(megabyte), `is ${megabyte} characters long`);
    rejectsFilter(`number eq '${'a'.repeat(megabyte)}'`, 'characters long');
    rejectsFilter('isSearchable or '.repeat(megabyte / 16), 'characters long');
    assert.ok(process.hrtime.bigint() - started < 1_000_000_000n, 'refusing is immediate');
  });
});

describe('$orderby', () => {
  const order = (text: string) => parseOrderBy(text, E);

  test('one key, ascending by default', () => {
    assert.deepEqual(order('number'), [{ property: prop('number'), descending: false }]);
    assert.deepEqual(order('number asc'), [{ property: prop('number'), descending: false }]);
    assert.deepEqual(order('number desc'), [{ property: prop('number'), descending: true }]);
    assert.deepEqual(order('  number\t\tdesc  '), [{ property: prop('number'), descending: true }]);
  });

  test('several keys, nested paths, every primitive kind', () => {
    assert.deepEqual(order('createdDateTime desc,id'), [
      { property: prop('createdDateTime'), descending: true },
      { property: prop('id'), descending: false },
    ]);
    assert.deepEqual(order('inference/confidenceScore desc, type, isSearchable asc, createdBy/user/displayName desc, lastModifiedBy/user/id'), [
      { property: prop('inference/confidenceScore'), descending: true },
      { property: prop('type'), descending: false },
      { property: prop('isSearchable'), descending: false },
      { property: prop('createdBy/user/displayName'), descending: true },
      { property: prop('lastModifiedBy/user/id'), descending: false },
    ]);
  });

  test(`at most ${QUERY_LIMITS.maxOrderByKeys} keys`, () => {
    rejectsOrderBy('number,displayName,type,id,createdDateTime,lastModifiedDateTime', '$orderby has more than 5 keys (position 44 in $orderby).');
  });

  test('complex and flags properties cannot be ordered by', () => {
    rejectsOrderBy('inference', "The property 'inference' is of type 'microsoft.graph.inferenceData', a complex type, which cannot be ordered by (position 1 in $orderby).");
    rejectsOrderBy('number, createdBy/user desc', "'createdBy/user' is of type 'microsoft.graph.identity', a complex type", 'position 9');
    rejectsOrderBy('allowedAudiences', "'allowedAudiences' is of type 'microsoft.graph.allowedAudiences', a flags enumeration", 'position 1');
  });

  test('a collection (source/type) cannot be ordered by', () => {
    rejectsOrderBy(
      'source/type',
      "The property 'source/type' is of type 'Collection(Edm.String)', a collection, which cannot be ordered by (position 1 in $orderby). Lambda operators (any, all), which test the items of a collection, are not supported.",
    );
    rejectsOrderBy('number desc, source/type desc', "'source/type' is of type 'Collection(Edm.String)', a collection", 'position 14');
  });

  test('the same property twice', () => {
    rejectsOrderBy('number,number', "The property 'number' appears more than once in $orderby (position 8 in $orderby).");
    rejectsOrderBy('inference/confidenceScore asc, type, inference/confidenceScore desc', "'inference/confidenceScore' appears more than once", 'position 38');
  });

  test('unknown properties and bad paths', () => {
    rejectsOrderBy('nope', "The property 'nope' does not exist on type 'microsoft.graph.itemPhone' (position 1 in $orderby).");
    rejectsOrderBy('number,inference/nope desc', "'nope' does not exist on type 'microsoft.graph.inferenceData' (position 18 in $orderby).");
    rejectsOrderBy('number/x', "'number' is of type 'Edm.String', which has no property 'x'", 'position 8');
    rejectsOrderBy('inference/', "expected a property name right after '/' but found end of input", 'position 11');
  });

  test('empty items and syntax errors', () => {
    rejectsOrderBy('', 'The $orderby query option is empty.');
    rejectsOrderBy(' ', 'is empty');
    rejectsOrderBy('number,,type', "Syntax error at position 8 in $orderby: expected a property path after ',' but found ','.");
    rejectsOrderBy('number,', "expected a property path after ',' but found end of input", 'position 8');
    rejectsOrderBy(',number', 'expected a property path but found', 'position 1');
    rejectsOrderBy('number descending', "expected 'asc', 'desc', ',' or end of input but found 'descending'", 'position 8');
    rejectsOrderBy('number desc asc', "expected ',' or end of input but found 'asc'", 'position 13');
    rejectsOrderBy('number DESC', "found 'DESC'", 'Keywords are lower case.');
    rejectsOrderBy('number;', "unexpected character ';'", 'position 7');
    rejectsOrderBy("'number'", "expected a property path but found the string 'number'", 'position 1');
    rejectsOrderBy('tolower(number)', "The function 'tolower' is not supported (position 1 in $orderby).");
    rejectsOrderBy('x'.repeat(QUERY_LIMITS.maxLength + 1), 'characters long');
  });
});

describe('$select', () => {
  const select = (text: string) => parseSelect(text, E);

  test("the entity's declaration order, always with id", () => {
    assert.deepEqual(select('number,type'), ['id', 'type', 'number']);
    assert.deepEqual(select('type,number'), ['id', 'type', 'number']);
    assert.deepEqual(select('id'), ['id']);
    assert.deepEqual(select('displayName'), ['id', 'displayName']);
    assert.deepEqual(select('number,createdBy,inference,allowedAudiences'), ['id', 'allowedAudiences', 'inference', 'createdBy', 'number']);
  });

  test('duplicates are removed; spaces around names are fine', () => {
    assert.deepEqual(select('number,number, number ,id'), ['id', 'number']);
    assert.deepEqual(select(' \tsource , isSearchable '), ['id', 'isSearchable', 'source']);
  });

  test("'*' is every property", () => {
    assert.deepEqual(select('*'), Object.keys(E.properties));
    assert.deepEqual(select('number,*'), Object.keys(E.properties));
  });

  test("unknown properties: Graph's message", () => {
    rejectsSelect('nope', "Could not find a property named 'nope' on type 'microsoft.graph.itemPhone'.");
    rejectsSelect('number,Type', "Could not find a property named 'Type' on type 'microsoft.graph.itemPhone'.");
    rejectsSelect('__proto__', "Could not find a property named '__proto__'");
    rejectsSelect('hasOwnProperty', "Could not find a property named 'hasOwnProperty'");
  });

  test('paths, empty items and syntax errors', () => {
    rejectsSelect('createdBy/user', "Paths such as 'createdBy/...' are not supported in $select (position 10 in $select).");
    rejectsSelect('', 'The $select query option is empty.');
    rejectsSelect('number,', "Syntax error at position 8 in $select: expected a property name after ',' but found end of input.");
    rejectsSelect('id,', "expected a property name after ','");
    rejectsSelect(',number', 'expected a property name but found', 'position 1');
    rejectsSelect('number,,type', "found ','", 'position 8');
    rejectsSelect('number type', "expected ',' or end of input but found 'type'", 'position 8');
    rejectsSelect('number;type', "unexpected character ';'", 'position 7');
    rejectsSelect("'number'", 'the string', 'position 1');
    rejectsSelect('microsoft.graph.itemPhone', 'Qualified names');
    rejectsSelect(`number,${'x,'.repeat(QUERY_LIMITS.maxLength)}`, 'characters long');
  });
});

describe('robustness: arbitrary input is parsed or refused with a 400, never anything else', () => {
  /** mulberry32: a small seeded generator, so a failure is reproducible. */
  function random(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const PIECES = [
    'number', 'displayName', 'type', 'isSearchable', 'allowedAudiences', 'inference', 'inference/confidenceScore', 'createdBy/user/id',
    'source/type', 'createdDateTime', 'id', 'nope', 'eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in', 'has', 'and', 'or', 'not', 'add', 'any',
    '(', ')', ',', '/', '*', "'", "'mobile'", "'me,family'", "'it''s'", "''", '5', '-1.5e3', '1e400', 'true', 'false', 'null',
    '2026-01-01T00:00:00Z', '2026-02-30T00:00Z', '0d6e3f6a-2c1b-4a8e-9f3d-5b7c1e2a4d60', 'microsoft.graph.phoneType', "microsoft.graph.phoneType'home'",
    'startswith', 'contains', 'tolower', '$it', '@p', 'asc', 'desc', '\u0000', '\uD800', '📞', '-', '.', ':', 'T', 'Z', '+02:00',
  ];
  const SEPARATORS = ['', ' ', ' ', ' ', '\t', '  '];

  function check(text: string): 'parsed' | 'refused' {
    let outcome: 'parsed' | 'refused' = 'refused';
    for (const parse of [parseFilter, parseOrderBy, parseSelect] as const) {
      try {
        const result = parse(text, E);
        assert.ok(result && typeof result === 'object');
        if (parse === parseFilter) outcome = 'parsed';
      } catch (err) {
        assert.ok(err instanceof GraphError, `${JSON.stringify(text)} threw ${String(err)}`);
        assert.equal(err.status, 400, text);
        assert.equal(err.code, 'BadRequest', text);
        assert.ok(err.message.length > 0 && err.message.length < 600, `${JSON.stringify(text)}: message of ${err.message.length} characters`);
      }
    }
    return outcome;
  }

  test('token soup', () => {
    const next = random(0xc0ffee);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
    for (let i = 0; i < 4000; i++) {
      const count = 1 + Math.floor(next() * 12);
      let text = '';
      for (let j = 0; j < count; j++) text += pick(SEPARATORS) + pick(PIECES);
      check(text);
    }
  });

  test('generated filters, valid and then damaged by one random piece', () => {
    const next = random(7);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
    const CONDITIONS = [
      "number eq '1'", "'x' lt displayName", 'isSearchable', 'inference/confidenceScore ge -0.5', "type in ('home','mobile')",
      "allowedAudiences has 'me'", "allowedAudiences ne 'family,me'", 'createdDateTime lt 2026-01-01T00:00:00+01:00', 'inference eq null',
      "contains(createdBy/application/id,'r')", "startswith(createdBy/user/displayName,'A')", 'source ne null', 'type eq microsoft.graph.phoneType\'pager\'',
    ];
    const expression = (depth: number): string => {
      const r = next();
      if (depth > 4 || r < 0.4) return pick(CONDITIONS);
      if (r < 0.55) return `not ${expression(depth + 1)}`;
      if (r < 0.7) return `(${expression(depth + 1)})`;
      return `${expression(depth + 1)} ${pick(['and', 'or'])} ${expression(depth + 1)}`;
    };
    let parsed = 0;
    for (let i = 0; i < 1500; i++) {
      const text = expression(0);
      assert.equal(check(text), 'parsed', text);
      const at = Math.floor(next() * text.length);
      if (check(text.slice(0, at) + pick(PIECES) + text.slice(at + Math.floor(next() * 3))) === 'parsed') parsed++;
    }
    assert.ok(parsed > 0 && parsed < 1500, `${parsed} damaged filters still parsed`);
  });

  test('random characters, including controls and surrogates', () => {
    const next = random(42);
    for (let i = 0; i < 3000; i++) {
      const length = Math.floor(next() * 40);
      let text = '';
      for (let j = 0; j < length; j++) {
        const r = next();
        text += r < 0.6 ? " ()',/*-.:$@0123456789abcdefTZeqnotr_+\t"[Math.floor(next() * 40)] : String.fromCharCode(Math.floor(next() * 0x10000));
      }
      check(text);
    }
  });

  test('every prefix and every one-character deletion of valid filters', () => {
    const valid = [
      "isSearchable and (type in ('home','mobile') or not startswith(number,'+1')) and createdDateTime ge 2026-01-01T00:00:00.5+02:00",
      "allowedAudiences has microsoft.graph.allowedAudiences'family' or allowedAudiences eq 'me,family' and inference eq null",
      "0.5 le inference/confidenceScore and createdBy/user/displayName ne 'O''Brien' and id eq 0d6e3f6a-2c1b-4a8e-9f3d-5b7c1e2a4d60",
    ];
    for (const text of valid) {
      assert.equal(check(text), 'parsed', text);
      for (let i = 0; i < text.length; i++) {
        check(text.slice(0, i));
        check(text.slice(0, i) + text.slice(i + 1));
      }
    }
  });
});
