// Parses $filter, $orderby and $select and checks them against an entity type, producing the typed
// query of ast.ts.
//
// Hand-written (a small lazy tokenizer and a recursive-descent parser) because none of the OData
// parsers on npm (odata-v4-parser, @odata/parser, @balena/odata-parser) accepts what Graph users
// write: the OData 4.01 `in` operator, enum literals both plain ('mobile') and qualified
// (microsoft.graph.phoneType'mobile'), Graph's bare date-time literals, and none reports where the
// expression went wrong. Every failure is graphErrors.badQuery (400 BadRequest) naming the 1-based
// character position and the offending token; limits on length and nesting mean that no input,
// however hostile, costs more than a bounded amount of work or stack.
import { GUID } from '../../guid.ts';
import { UNSTORABLE_IN_REQUEST, unstorableText } from '../../model/storableText.ts';
import { typeName, type EdmType, type EntityTypeDef } from '../edm.ts';
import { graphErrors } from '../errors.ts';
import type { ComparisonOperator, FilterExpr, LiteralValue, OrderByItem, PropertyRef } from './ast.ts';

export const QUERY_LIMITS = {
  /** Characters in one query option: real queries are far shorter, and the cap bounds the work. */
  maxLength: 2000,
  /** Levels of parentheses and `not` in $filter: bounds the recursion, so no stack overflow. */
  maxFilterDepth: 32,
  maxOrderByKeys: 5,
} as const;

type QueryOption = '$filter' | '$orderby' | '$select';

// ---------------------------------------------------------------- tokens

type Literal =
  | { readonly type: 'string'; readonly value: string } // 'quoted', or a bare GUID
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'null' }
  | { readonly type: 'dateTime'; readonly value: string } // already normalised to UTC, 7 fractional digits
  | { readonly type: 'enum'; readonly enumType: string; readonly value: string }; // microsoft.graph.phoneType'mobile'

interface NameToken { readonly kind: 'name'; readonly pos: number; readonly text: string }
interface PunctToken { readonly kind: 'punct'; readonly pos: number; readonly text: '(' | ')' | ',' | '/' | '*' }
interface LiteralToken { readonly kind: 'literal'; readonly pos: number; readonly text: string; readonly literal: Literal }
interface EndToken { readonly kind: 'end'; readonly pos: number; readonly text: '' }
type Token = NameToken | PunctToken | LiteralToken | EndToken;

const COMPARISONS: readonly string[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];
const ARITHMETIC: readonly string[] = ['add', 'sub', 'mul', 'div', 'divby', 'mod'];
/** Words that are operators, never property names, wherever an operand is expected. */
const RESERVED: readonly string[] = ['and', 'or', 'not', 'in', 'has', ...COMPARISONS, ...ARITHMETIC];
/** Written in another case, these get a hint: OData keywords are lower case. */
const KEYWORDS: readonly string[] = [...RESERVED, 'asc', 'desc', 'true', 'false', 'null'];
const FUNCTIONS = ['startswith', 'endswith', 'contains'] as const;
type FunctionName = (typeof FUNCTIONS)[number];
/** `5 lt x` is `x gt 5`. */
const FLIPPED: Record<ComparisonOperator, ComparisonOperator> = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' };

// Sticky patterns, tried at the lexer's current index.
const WHITESPACE = /[ \t]*/y;
const GUID_LITERAL = new RegExp(`${GUID.source}(?![A-Za-z0-9_])`, 'iy'); // not the start of a longer name
/** Anything that starts like a date is read whole, then checked, so a bad one is reported as one token. */
const DATE_LIKE = /\d{4}-\d{2}-\d{2}[0-9A-Za-z:.+-]*/y;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const QUALIFIED_NAME = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
const SPECIAL_NAME = /[$@][A-Za-z0-9_]*/y;
const NUMBER_LIKE = /[-A-Za-z0-9_.+]*/y;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

function matchAt(pattern: RegExp, text: string, index: number): string | undefined {
  pattern.lastIndex = index;
  return pattern.exec(text)?.[0];
}

// ---------------------------------------------------------------- errors

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function describe(token: Token): string {
  if (token.kind === 'end') return 'end of input';
  if (token.kind === 'literal' && token.literal.type === 'string' && token.text.startsWith("'")) return `the string ${clip(token.text)}`;
  return `'${clip(token.text)}'`;
}

/** "Syntax error at position 12 in $filter: expected a literal after 'eq' but found end of input." */
function syntaxError(option: QueryOption, found: Token, expected: string): Error {
  const hint = found.kind === 'name' ? lowerCaseHint(found.text) : undefined;
  const message = `Syntax error at position ${found.pos} in ${option}: expected ${expected} but found ${describe(found)}.`;
  return graphErrors.badQuery(hint ? `${message} ${hint}` : message);
}

function lowerCaseHint(word: string): string | undefined {
  const lower = word.toLowerCase();
  return lower !== word && KEYWORDS.includes(lower) ? 'Keywords are lower case.' : undefined;
}

/** "The property 'foo' does not exist on type 'x' (position 1 in $filter)." plus an optional hint. */
function errorAt(option: QueryOption, pos: number, message: string, hint?: string): Error {
  return graphErrors.badQuery(`${message} (position ${pos} in ${option}).${hint ? ` ${hint}` : ''}`);
}

function unsupportedFunction(option: QueryOption, name: NameToken): Error {
  const lower = name.text.toLowerCase();
  let hint = option === '$filter' ? `Supported functions: ${FUNCTIONS.join(', ')}.` : undefined;
  if (option === '$filter' && lower !== name.text && (FUNCTIONS as readonly string[]).includes(lower)) {
    hint = `Function names are lower case: ${lower}.`;
  }
  return errorAt(option, name.pos, `The function '${clip(name.text)}' is not supported`, hint);
}

// ---------------------------------------------------------------- lexer

/** Reads tokens on demand (one token of lookahead), so errors surface in reading order. */
class Lexer {
  private index = 0;
  private lookahead: Token | undefined;

  constructor(
    private readonly text: string,
    readonly option: QueryOption,
  ) {}

  peek(): Token {
    return (this.lookahead ??= this.scan());
  }

  next(): Token {
    const token = this.peek();
    this.lookahead = undefined;
    return token;
  }

  private scan(): Token {
    const { text } = this;
    this.index += matchAt(WHITESPACE, text, this.index)!.length;
    const start = this.index;
    const pos = start + 1;
    if (start >= text.length) return { kind: 'end', pos, text: '' };
    const c = text[start];
    const take = (length: number) => {
      this.index += length;
      return text.slice(start, start + length);
    };
    const literal = (raw: string, value: Literal): LiteralToken => ({ kind: 'literal', pos, text: raw, literal: value });

    if (c === '(' || c === ')' || c === ',' || c === '/' || c === '*') return { kind: 'punct', pos, text: take(1) as PunctToken['text'] };
    if (c === "'") return this.stringLiteral(pos);
    let raw = matchAt(GUID_LITERAL, text, start);
    if (raw) return literal(take(raw.length), { type: 'string', value: raw }); // a bare GUID is a string
    raw = matchAt(DATE_LIKE, text, start);
    if (raw) return literal(take(raw.length), { type: 'dateTime', value: normaliseDateTime(raw, pos, this.option) });
    raw = matchAt(NUMBER, text, start);
    if (raw) {
      if (/[-A-Za-z0-9_.]/.test(text[start + raw.length] ?? '')) {
        throw errorAt(this.option, pos, `The number literal '${clip(matchAt(NUMBER_LIKE, text, start)!)}' is malformed`);
      }
      const value = Number(raw);
      if (!Number.isFinite(value)) throw errorAt(this.option, pos, `The number literal '${clip(raw)}' is out of range for Edm.Double`);
      return literal(take(raw.length), { type: 'number', value: value === 0 ? 0 : value }); // no -0
    }
    raw = matchAt(QUALIFIED_NAME, text, start);
    if (raw) {
      // `eq'x'` is an operator and a string; any other name glued to a quote is a typed literal.
      if (text[start + raw.length] === "'" && !RESERVED.includes(raw)) return this.typedLiteral(raw, pos);
      if (raw.includes('.')) {
        throw errorAt(this.option, pos, `Qualified names such as '${clip(raw)}' (type casts, bound functions) are not supported`);
      }
      take(raw.length);
      if (raw === 'true' || raw === 'false') return literal(raw, { type: 'boolean', value: raw === 'true' });
      if (raw === 'null') return literal(raw, { type: 'null' });
      return { kind: 'name', pos, text: raw };
    }
    raw = matchAt(SPECIAL_NAME, text, start);
    if (raw && c === '@') throw errorAt(this.option, pos, `Parameter aliases such as '${clip(raw)}' are not supported`);
    if (raw) throw errorAt(this.option, pos, `'${clip(raw)}' is not supported`);
    const code = text.codePointAt(start)!;
    const invisible = code < 0x20 || code === 0x7f || (code >= 0xd800 && code <= 0xdfff);
    const shown = invisible ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `'${String.fromCodePoint(code)}'`;
    throw graphErrors.badQuery(`Syntax error at position ${pos} in ${this.option}: unexpected character ${shown}.`);
  }

  private stringLiteral(pos: number): LiteralToken {
    const start = this.index;
    const value = this.quoted(pos);
    return { kind: 'literal', pos, text: this.text.slice(start, this.index), literal: { type: 'string', value } };
  }

  /** Reads 'it''s' (a doubled quote is one quote) from the current index and returns its value. */
  private quoted(pos: number): string {
    const { text } = this;
    const start = this.index;
    let value = '';
    let i = start + 1;
    for (;;) {
      const close = text.indexOf("'", i);
      if (close < 0) throw errorAt(this.option, pos, `The string literal ${clip(text.slice(start))} is not closed with a single quote`);
      value += text.slice(i, close);
      if (text[close + 1] !== "'") {
        i = close + 1;
        break;
      }
      value += "'";
      i = close + 2;
    }
    // Refused like in request bodies: NUL and lone surrogates cannot be stored, so they cannot match.
    const unstorable = unstorableText(value);
    if (unstorable) throw errorAt(this.option, pos, `A string literal contains ${UNSTORABLE_IN_REQUEST[unstorable]}, which is not allowed`);
    this.index = i;
    return value;
  }

  /** microsoft.graph.phoneType'mobile' is an enum literal; other prefixes (duration'P1D', binary'..') are not supported. */
  private typedLiteral(prefix: string, pos: number): LiteralToken {
    if (!prefix.includes('.')) {
      const hint = "Enumeration literals are written 'member' or microsoft.graph.phoneType'member'.";
      throw errorAt(this.option, pos, `Typed literals such as ${clip(prefix)}'...' are not supported`, hint);
    }
    const start = this.index;
    this.index += prefix.length;
    const value = this.quoted(pos + prefix.length);
    return { kind: 'literal', pos, text: this.text.slice(start, this.index), literal: { type: 'enum', enumType: prefix, value } };
  }
}

function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0); // day 0 of the next month: the last day of this one
  return d.getUTCDate();
}

/** Graph's stored form: UTC with exactly seven fractional digits ("2026-01-01T00:00:00.0000000Z"). */
function normaliseDateTime(raw: string, pos: number, option: QueryOption): string {
  const m = DATE_TIME.exec(raw);
  if (!m) {
    const hint = 'Write YYYY-MM-DDThh:mm[:ss[.fffffff]] followed by Z or ±hh:mm, without quotes, e.g. 2026-01-01T00:00:00Z.';
    throw errorAt(option, pos, `The date-time literal '${clip(raw)}' is malformed`, hint);
  }
  const [year, month, day, hour, minute, second = 0] = m.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part))) as number[];
  const fraction = m[7] ?? '';
  const [sign, offsetHours, offsetMinutes] = [m[8], Number(m[9] ?? 0), Number(m[10] ?? 0)];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw errorAt(option, pos, `The date-time literal '${clip(raw)}' is not a valid date and time`);
  }
  if (offsetMinutes > 59 || offsetHours * 60 + offsetMinutes > 14 * 60) {
    throw errorAt(option, pos, `The date-time literal '${clip(raw)}' has an offset outside -14:00..+14:00`);
  }
  const offset = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute - offset, second, 0);
  const utcYear = utc.getUTCFullYear();
  if (utcYear < 1 || utcYear > 9999) throw errorAt(option, pos, `The date-time literal '${clip(raw)}' is outside the years 0001..9999`);
  return `${utc.toISOString().slice(0, 19)}.${fraction.padEnd(7, '0')}Z`;
}

/** Rejects over-long and empty options before any parsing. */
function openLexer(text: string, option: QueryOption): Lexer {
  if (text.length > QUERY_LIMITS.maxLength) {
    throw graphErrors.badQuery(`The ${option} query option is ${text.length} characters long; at most ${QUERY_LIMITS.maxLength} are allowed.`);
  }
  if (text.trim() === '') throw graphErrors.badQuery(`The ${option} query option is empty.`);
  return new Lexer(text, option);
}

// ---------------------------------------------------------------- property paths

interface PathAt { readonly kind: 'path'; readonly ref: PropertyRef; readonly pos: number; readonly text: string }

const isPunct = (token: Token, text: PunctToken['text']) => token.kind === 'punct' && token.text === text;
const isWord = (token: Token, text: string) => token.kind === 'name' && token.text === text;

/**
 * name ('/' name)*, resolved through the entity and its complex types. As in OData, no whitespace
 * around '/', so `inference/ eq 5` is an error at 'eq', not a property named 'eq'.
 * A '(' after a segment is a function or lambda call: refused.
 */
function readPath(lexer: Lexer, entity: EntityTypeDef, first: NameToken): PathAt {
  const segments = [first];
  for (;;) {
    const segment = segments[segments.length - 1];
    const after = lexer.peek();
    if (isPunct(after, '(')) {
      if (segments.length > 1 && (segment.text === 'any' || segment.text === 'all')) {
        throw errorAt(lexer.option, segment.pos, `The lambda operator '${segment.text}' is not supported`);
      }
      throw unsupportedFunction(lexer.option, segment);
    }
    if (!isPunct(after, '/') || after.pos !== segment.pos + segment.text.length) break;
    lexer.next();
    const next = lexer.next();
    if (next.kind !== 'name' || next.pos !== after.pos + 1) throw syntaxError(lexer.option, next, "a property name right after '/'");
    segments.push(next);
  }

  let scope: { readonly name: string; readonly properties: EntityTypeDef['properties'] } = entity;
  let type: EdmType | undefined;
  for (const [i, segment] of segments.entries()) {
    if (type) {
      if (type.kind !== 'complex') {
        const parent = segments.slice(0, i).map((s) => s.text).join('/');
        throw errorAt(lexer.option, segment.pos, `The property '${parent}' is of type '${typeName(type)}', which has no property '${segment.text}'`);
      }
      scope = type;
    }
    if (!Object.hasOwn(scope.properties, segment.text)) {
      throw errorAt(lexer.option, segment.pos, `The property '${clip(segment.text)}' does not exist on type '${scope.name}'`, lowerCaseHint(segment.text));
    }
    type = scope.properties[segment.text].type;
  }
  const path = segments.map((s) => s.text);
  return { kind: 'path', ref: { kind: 'property', path, type: type! }, pos: first.pos, text: path.join('/') };
}

// ---------------------------------------------------------------- $filter

/** Which operators each kind of property takes ('in' and 'has' included). */
function operatorsFor(type: EdmType): readonly string[] {
  switch (type.kind) {
    case 'collection':
      return []; // refused before: see collectionError
    case 'string':
    case 'double':
    case 'dateTimeOffset':
      return [...COMPARISONS, 'in'];
    case 'boolean':
    case 'complex':
      return ['eq', 'ne'];
    case 'enum':
      return type.flags ? ['eq', 'ne', 'has'] : ['eq', 'ne', 'in'];
  }
}

/**
 * A collection (source/type) holds many values: it can only be tested item by item with the lambda
 * operators any/all, which are not supported, so any comparison or ordering names it and says so.
 */
function collectionError(option: QueryOption, property: PathAt, what: 'compared' | 'ordered by'): Error {
  return errorAt(
    option,
    property.pos,
    `The property '${property.text}' is of type '${typeName(property.ref.type)}', a collection, which cannot be ${what}`,
    'Lambda operators (any, all), which test the items of a collection, are not supported.',
  );
}

class FilterParser {
  private depth = 0;
  private readonly lexer: Lexer;

  constructor(
    text: string,
    private readonly entity: EntityTypeDef,
  ) {
    this.lexer = openLexer(text, '$filter');
  }

  parse(): FilterExpr {
    const expr = this.orExpr();
    const rest = this.lexer.next();
    if (rest.kind !== 'end') throw this.syntax(rest, "'and', 'or' or end of input");
    return expr;
  }

  private syntax(found: Token, expected: string): Error {
    return syntaxError('$filter', found, expected);
  }

  private error(pos: number, message: string, hint?: string): Error {
    return errorAt('$filter', pos, message, hint);
  }

  // Binary operators are read in loops, so only parentheses and `not` recurse, and they are counted.
  private orExpr(): FilterExpr {
    let left = this.andExpr();
    while (isWord(this.lexer.peek(), 'or')) {
      this.lexer.next();
      left = { kind: 'or', left, right: this.andExpr() };
    }
    return left;
  }

  private andExpr(): FilterExpr {
    let left = this.unary();
    while (isWord(this.lexer.peek(), 'and')) {
      this.lexer.next();
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private nested<T>(at: Token, parse: () => T): T {
    if (++this.depth > QUERY_LIMITS.maxFilterDepth) {
      throw this.error(at.pos, `The $filter nests parentheses and 'not' more than ${QUERY_LIMITS.maxFilterDepth} levels deep at '${at.text}'`);
    }
    const result = parse();
    this.depth--;
    return result;
  }

  /** `not` applies to the whole condition that follows (`not a eq 1` is `not (a eq 1)`). */
  private unary(): FilterExpr {
    const token = this.lexer.peek();
    if (!isWord(token, 'not')) return this.primary();
    this.lexer.next();
    return this.nested(token, () => ({ kind: 'not', operand: this.unary() }));
  }

  private primary(): FilterExpr {
    const token = this.lexer.next();
    if (isPunct(token, '(')) {
      return this.nested(token, () => {
        const expr = this.orExpr();
        const close = this.lexer.next();
        if (!isPunct(close, ')')) throw this.syntax(close, "'and', 'or' or ')'");
        return expr;
      });
    }
    if (token.kind === 'literal') return this.literalFirst(token);
    if (token.kind === 'name' && !RESERVED.includes(token.text)) {
      if (isPunct(this.lexer.peek(), '(')) return this.functionCall(token);
      return this.predicate(readPath(this.lexer, this.entity, token));
    }
    throw this.syntax(token, 'a condition');
  }

  private refuseArithmetic(): void {
    const token = this.lexer.peek();
    if (token.kind === 'name' && ARITHMETIC.includes(token.text)) {
      throw this.error(token.pos, `The arithmetic operator '${token.text}' is not supported`);
    }
  }

  /** What follows a property path: an operator, or nothing at all for a boolean property. */
  private predicate(property: PathAt): FilterExpr {
    if (property.ref.type.kind === 'collection') throw collectionError('$filter', property, 'compared');
    this.refuseArithmetic();
    const token = this.lexer.peek();
    if (token.kind === 'name' && COMPARISONS.includes(token.text)) {
      this.lexer.next();
      const op = token.text as ComparisonOperator;
      const right = this.operand(token, 'a literal');
      if (right.kind === 'path') throw this.error(property.pos, `Comparing two properties ('${property.text}' ${op} '${right.text}') is not supported`);
      return this.comparison(property, token, op, right);
    }
    if (isWord(token, 'in')) return this.inList(property, this.lexer.next() as NameToken);
    if (isWord(token, 'has')) return this.has(property, this.lexer.next() as NameToken);
    const endsCondition = token.kind === 'end' || isPunct(token, ')') || isWord(token, 'and') || isWord(token, 'or');
    if (property.ref.type.kind === 'boolean' && endsCondition) return { kind: 'compare', op: 'eq', property: property.ref, value: true };
    throw this.syntax(token, `an operator (eq, ne, gt, ge, lt, le, in or has) after '${property.text}'`);
  }

  /** `5 lt x`: the property must be on the other side, and the comparison is turned around. */
  private literalFirst(literal: LiteralToken): FilterExpr {
    this.refuseArithmetic();
    const token = this.lexer.next();
    if (token.kind !== 'name' || !COMPARISONS.includes(token.text)) {
      throw this.syntax(token, `a comparison operator (eq, ne, gt, ge, lt, le) after ${describe(literal)}`);
    }
    const right = this.operand(token, 'a property');
    if (right.kind === 'literal') {
      throw this.error(literal.pos, `Comparing two literals (${clip(literal.text)} ${token.text} ${clip(right.text)}) is not supported`);
    }
    return this.comparison(right, token, FLIPPED[token.text as ComparisonOperator], literal);
  }

  /** The right-hand side of a comparison: a literal or a property path. */
  private operand(op: NameToken, expected: string): LiteralToken | PathAt {
    const token = this.lexer.next();
    let operand: LiteralToken | PathAt;
    if (token.kind === 'literal') operand = token;
    else if (token.kind === 'name' && !RESERVED.includes(token.text)) {
      if (isPunct(this.lexer.peek(), '(') && (FUNCTIONS as readonly string[]).includes(token.text)) {
        throw this.error(token.pos, `The function '${token.text}' can only be used as a condition on its own, not compared`);
      }
      operand = readPath(this.lexer, this.entity, token);
    } else throw this.syntax(token, `${expected} after '${op.text}'`);
    this.refuseArithmetic();
    return operand;
  }

  private requireOperator(property: PathAt, op: NameToken): void {
    if (property.ref.type.kind === 'collection') throw collectionError('$filter', property, 'compared');
    const allowed = operatorsFor(property.ref.type);
    if (allowed.includes(op.text)) return;
    const hint = property.ref.type.kind === 'complex' ? 'A complex property can only be compared with null.' : `Allowed: ${allowed.join(', ')}.`;
    const message = `The operator '${op.text}' cannot be used with the property '${property.text}' of type '${typeName(property.ref.type)}'`;
    throw this.error(op.pos, message, hint);
  }

  private comparison(property: PathAt, opToken: NameToken, op: ComparisonOperator, literal: LiteralToken): FilterExpr {
    this.requireOperator(property, opToken);
    const type = property.ref.type;
    if (literal.literal.type === 'null') {
      if (type.kind === 'enum' && type.flags) {
        throw this.error(literal.pos, `The property '${property.text}' is never null, so it cannot be compared with null`);
      }
      if (op !== 'eq' && op !== 'ne') throw this.error(opToken.pos, `null can only be compared with eq or ne, not '${opToken.text}'`);
      return { kind: 'compare', op, property: property.ref, value: null };
    }
    const asSet = type.kind === 'enum' && type.flags;
    return { kind: 'compare', op, property: property.ref, value: this.convert(property, literal, asSet) };
  }

  /** property in (literal, ...): at least one literal, none null, each valid for the property. */
  private inList(property: PathAt, inToken: NameToken): FilterExpr {
    this.requireOperator(property, inToken);
    const open = this.lexer.next();
    if (!isPunct(open, '(')) throw this.syntax(open, "'(' after 'in'");
    const values: LiteralValue[] = [];
    for (;;) {
      const token = this.lexer.next();
      if (token.kind !== 'literal') throw this.syntax(token, values.length ? "a literal after ','" : "a literal in the 'in' list");
      if (token.literal.type === 'null') throw this.error(token.pos, "null is not allowed in an 'in' list", `Use '${property.text} eq null' instead.`);
      values.push(this.convert(property, token, false));
      const separator = this.lexer.next();
      if (isPunct(separator, ')')) return { kind: 'in', property: property.ref, values };
      if (!isPunct(separator, ',')) throw this.syntax(separator, "',' or ')' in the 'in' list");
    }
  }

  private has(property: PathAt, hasToken: NameToken): FilterExpr {
    this.requireOperator(property, hasToken);
    const token = this.lexer.next();
    if (token.kind !== 'literal') throw this.syntax(token, "an enumeration member after 'has'");
    const member = this.convert(property, token, false) as string;
    return { kind: 'has', property: property.ref, member };
  }

  /** startswith(path, 'text') and its siblings: a string property, then a string literal. */
  private functionCall(name: NameToken): FilterExpr {
    if (!(FUNCTIONS as readonly string[]).includes(name.text)) throw unsupportedFunction('$filter', name);
    this.lexer.next(); // '('
    const first = this.lexer.next();
    if (first.kind !== 'name' || RESERVED.includes(first.text)) throw this.syntax(first, `a string property as the first argument of '${name.text}'`);
    const property = readPath(this.lexer, this.entity, first);
    if (property.ref.type.kind !== 'string') {
      const actual = typeName(property.ref.type);
      const hint = property.ref.type.kind === 'collection' ? 'Lambda operators (any, all), which test the items of a collection, are not supported.' : undefined;
      throw this.error(first.pos, `The function '${name.text}' needs a string property, but '${property.text}' is of type '${actual}'`, hint);
    }
    const comma = this.lexer.next();
    if (!isPunct(comma, ',')) throw this.syntax(comma, `',' after the first argument of '${name.text}'`);
    const second = this.lexer.next();
    if (second.kind !== 'literal' || second.literal.type !== 'string') {
      throw this.syntax(second, `a string literal as the second argument of '${name.text}'`);
    }
    const close = this.lexer.next();
    if (!isPunct(close, ')')) throw this.syntax(close, `')' after the arguments of '${name.text}'`);
    const after = this.lexer.peek();
    if (after.kind === 'name' && COMPARISONS.includes(after.text)) {
      throw this.error(after.pos, `Comparing the result of '${name.text}' is not supported`, `Use it as a condition on its own, or with 'not'.`);
    }
    return { kind: 'function', name: name.text as FunctionName, property: property.ref, value: second.literal.value };
  }

  /** A literal converted to the property's type; for a flags enum with eq/ne, `asSet` reads 'a,b' as a set. */
  private convert(property: PathAt, token: LiteralToken, asSet: boolean): string | number | boolean {
    const { type } = property.ref;
    const literal = token.literal;
    const mismatch = (expected: string) => {
      const fit = `does not fit the property '${property.text}' of type '${typeName(type)}'`;
      return this.error(token.pos, `The literal ${clip(token.text)} ${fit}; expected ${expected}`);
    };
    switch (type.kind) {
      case 'string':
        if (literal.type === 'string') return literal.value;
        throw mismatch('a string in single quotes');
      case 'boolean':
        if (literal.type === 'boolean') return literal.value;
        throw mismatch('true or false');
      case 'double':
        if (literal.type === 'number') return literal.value;
        throw mismatch('a number');
      case 'dateTimeOffset':
        if (literal.type === 'dateTime') return literal.value;
        throw mismatch('a date-time without quotes, e.g. 2026-01-01T00:00:00Z');
      case 'complex':
        throw mismatch('null (a complex property can only be compared with null)');
      case 'collection':
        throw collectionError('$filter', property, 'compared'); // requireOperator refused it already
      case 'enum': {
        if (literal.type === 'enum' && literal.enumType !== type.name) {
          const types = `is of type '${literal.enumType}', but the property '${property.text}' is of type '${type.name}'`;
          throw this.error(token.pos, `The literal ${clip(token.text)} ${types}`);
        }
        // A bare GUID is a string literal too, but never a member: only quoted text is taken.
        if (literal.type !== 'enum' && !(literal.type === 'string' && token.text.startsWith("'"))) {
          throw mismatch(`a member of '${type.name}' in single quotes`);
        }
        if (type.flags && !asSet && literal.value.includes(',')) {
          throw this.error(token.pos, `'has' takes exactly one member of '${type.name}', not ${clip(token.text)}`);
        }
        const parts = asSet ? literal.value.split(',').map((p) => p.trim()) : [literal.value];
        for (const part of parts) {
          if (!type.members.includes(part)) {
            const hint = `Valid values (case-sensitive): ${type.members.join(', ')}.`;
            throw this.error(token.pos, `'${clip(part)}' is not a member of '${type.name}'`, hint);
          }
        }
        return type.members.filter((m) => parts.includes(m)).join(','); // a set: declaration order, no duplicates
      }
    }
  }
}

/** Parses and type-checks a $filter against `entity`; any problem is a 400 naming its position. */
export function parseFilter(text: string, entity: EntityTypeDef): FilterExpr {
  return new FilterParser(text, entity).parse();
}

// ---------------------------------------------------------------- $orderby and $select

/** `path [asc|desc]` separated by commas: primitive properties only, each at most once, at most 5 keys. */
export function parseOrderBy(text: string, entity: EntityTypeDef): OrderByItem[] {
  const lexer = openLexer(text, '$orderby');
  const items: OrderByItem[] = [];
  const seen = new Set<string>();
  for (;;) {
    const first = lexer.next();
    if (first.kind !== 'name') throw syntaxError('$orderby', first, items.length ? "a property path after ','" : 'a property path');
    if (items.length === QUERY_LIMITS.maxOrderByKeys) {
      throw errorAt('$orderby', first.pos, `$orderby has more than ${QUERY_LIMITS.maxOrderByKeys} keys`);
    }
    const path = readPath(lexer, entity, first);
    const { type } = path.ref;
    if (type.kind === 'collection') throw collectionError('$orderby', path, 'ordered by');
    if (type.kind === 'complex' || (type.kind === 'enum' && type.flags)) {
      const why = type.kind === 'complex' ? 'a complex type' : 'a flags enumeration';
      throw errorAt('$orderby', first.pos, `The property '${path.text}' is of type '${typeName(type)}', ${why}, which cannot be ordered by`);
    }
    if (seen.has(path.text)) throw errorAt('$orderby', first.pos, `The property '${path.text}' appears more than once in $orderby`);
    seen.add(path.text);
    const direction = lexer.peek();
    const hasDirection = isWord(direction, 'asc') || isWord(direction, 'desc');
    if (hasDirection) lexer.next();
    items.push({ property: path.ref, descending: isWord(direction, 'desc') });
    const separator = lexer.next();
    if (separator.kind === 'end') return items;
    if (!isPunct(separator, ',')) throw syntaxError('$orderby', separator, hasDirection ? "',' or end of input" : "'asc', 'desc', ',' or end of input");
  }
}

/**
 * Top-level property names separated by commas ('*' is every property). The result is in the entity's
 * declaration order, without duplicates, and always includes 'id' (Graph always sends it).
 */
export function parseSelect(text: string, entity: EntityTypeDef): string[] {
  const lexer = openLexer(text, '$select');
  const chosen = new Set<string>(['id']);
  for (let items = 0; ; items++) {
    const token = lexer.next();
    if (isPunct(token, '*')) for (const name of Object.keys(entity.properties)) chosen.add(name);
    else if (token.kind === 'name') {
      // Graph's own wording for an unknown $select property.
      if (!Object.hasOwn(entity.properties, token.text)) {
        throw graphErrors.badQuery(`Could not find a property named '${clip(token.text)}' on type '${entity.name}'.`);
      }
      chosen.add(token.text);
    } else throw syntaxError('$select', token, items ? "a property name after ','" : 'a property name');
    const separator = lexer.next();
    if (separator.kind === 'end') break;
    if (isPunct(separator, '/')) {
      throw errorAt('$select', separator.pos, `Paths such as '${clip(token.text)}/...' are not supported in $select`, 'Select the top-level property.');
    }
    if (!isPunct(separator, ',')) throw syntaxError('$select', separator, "',' or end of input");
  }
  return Object.keys(entity.properties).filter((name) => chosen.has(name));
}
