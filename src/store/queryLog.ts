// Who may watch the statements a store runs: a test that reads their query plans (test/store.queryPlans.test.ts)
// hears each one through Kysely's `log` option. Without a listener the option is not given at all, so Kysely neither
// wraps the connections nor times a query: nothing changes on the request path.
import type { KyselyConfig } from 'kysely';

/** One statement as the database received it: its SQL text and its bound parameters, in order. */
export interface ExecutedQuery {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

export type QueryListener = (query: ExecutedQuery) => void;

/** Kysely's `log` option telling `onQuery` of every statement run, failed ones too; none without a listener. */
export function queryLog(onQuery: QueryListener | undefined): Pick<KyselyConfig, 'log'> {
  if (!onQuery) return {};
  return { log: (event) => onQuery({ sql: event.query.sql, parameters: event.query.parameters }) };
}
