import { createQueryId, type Compilable, type CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './tables.js';

/** Stands for the parameter named `name` while the query is built, once. */
class Slot {
  constructor(readonly name: string) {}
}

/** Where each parameter of the compiled query comes from: a named parameter, or a value fixed in the query. */
type ParameterSource = { name: string } | { value: unknown };

/** The compiled query with where its parameters come from. */
interface Compiled { sql: string; query: CompiledQuery['query']; sources: ParameterSource[] }

/**
 * A query of the request hot path, built and compiled by Kysely once and then run with new parameters. Kysely
 * builds and compiles every query anew (its builders copy frozen nodes at each step): for the few statements
 * every SSO runs, that cost more than running them. `build` is called once, with placeholders for the fields of
 * `params`; it must use each field only as a value (compared, inserted, set), never to choose the shape of the
 * query, which is fixed (a field read but not sent as a parameter is refused). Keep one per repository instance:
 * the SQL is compiled for the first database it runs on.
 */
export class PreparedQuery<P extends object, R> {
  #compiled: Compiled | undefined;

  constructor(private readonly build: (db: Kysely<Database>, params: P) => Compilable<R>) {}

  /** Runs the query on `db` (the store's database or a transaction of it) with `params`. */
  async execute(db: Kysely<Database>, params: P): Promise<QueryResult<R>> {
    const c = (this.#compiled ??= this.#compile(db));
    const parameters = c.sources.map((s) => ('name' in s ? (params as Record<string, unknown>)[s.name] : s.value));
    const query: CompiledQuery<R> = { sql: c.sql, query: c.query, queryId: createQueryId(), parameters };
    return db.executeQuery(query);
  }

  #compile(db: Kysely<Database>): Compiled {
    const read = new Set<string>();
    const placeholders = new Proxy({}, { get: (_, name) => { read.add(String(name)); return new Slot(String(name)); } }) as P;
    const compiled = this.build(db, placeholders).compile();
    const sources = compiled.parameters.map((p): ParameterSource => (p instanceof Slot ? { name: p.name } : { value: p }));
    const sent = new Set(sources.flatMap((s) => ('name' in s ? [s.name] : [])));
    const unsent = [...read].filter((n) => !sent.has(n));
    if (unsent.length > 0) throw new Error(`prepared query: ${unsent.join(', ')} shaped the query instead of being sent as parameters`);
    return { sql: compiled.sql, query: compiled.query, sources };
  }
}
