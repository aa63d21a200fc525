// Queries built and compiled once, then run many times with new values. Kysely builds and compiles a query on every
// call, which for the fixed-shape queries every request makes (an item by id, a page, an insert) cost more CPU than
// running them (the profiles in bench/RESULTS.md, issue 15). Here each is built once with placeholders in place of its
// values, compiled, and run with the real values put where the placeholders ended up. (Written here: Kysely has no
// placeholders of its own; its queries carry their values.)
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';

/** A stand-in for a value: an object of its own, so that the compiled query's parameters say where each one went. */
class Placeholder {
  constructor(readonly name: string) {}
}

export class PreparedQuery<Name extends string, R = Record<string, unknown>> {
  private readonly compiled: CompiledQuery<R>;
  /** For each parameter of the compiled query: the name of the value that goes there, or the constant itself. */
  private readonly slots: readonly ({ name: Name } | { constant: unknown })[];

  /** `build` makes the query from placeholders; pass each where its value goes (any number of times). */
  constructor(names: readonly Name[], build: (values: Readonly<Record<Name, any>>) => Compilable<R>) {
    const placeholders = Object.fromEntries(names.map((n) => [n, new Placeholder(n)])) as Record<Name, Placeholder>;
    this.compiled = build(placeholders).compile();
    this.slots = this.compiled.parameters.map((p) => (p instanceof Placeholder ? { name: p.name as Name } : { constant: p }));
    const used = new Set(this.slots.flatMap((s) => ('name' in s ? [s.name] : [])));
    const unused = names.filter((n) => !used.has(n));
    if (unused.length) throw new Error(`prepared query does not use ${unused.join(', ')}: ${this.compiled.sql}`);
  }

  /** The query with these values, as Kysely runs it. */
  with(values: Readonly<Record<Name, unknown>>): CompiledQuery<R> {
    const parameters = this.slots.map((s) => ('name' in s ? values[s.name] : s.constant));
    return { ...this.compiled, parameters };
  }

  run(db: Kysely<any>, values: Readonly<Record<Name, unknown>>): Promise<QueryResult<R>> {
    return db.executeQuery(this.with(values));
  }
}

/**
 * Prepared queries by the shape of what they are asked (an order, which keyset values are null, the columns of a
 * row): made at first use, kept for the life of the store. Shapes come from requests, so at most `max` are kept;
 * beyond that each is made for its one use.
 */
export function preparedByShape<Name extends string, R>(max: number) {
  const made = new Map<string, PreparedQuery<Name, R>>();
  return (shape: string, make: () => PreparedQuery<Name, R>): PreparedQuery<Name, R> => {
    let query = made.get(shape);
    if (!query) {
      query = make();
      if (made.size < max) made.set(shape, query);
    }
    return query;
  };
}
