/** The two databases Gatehouse runs on. */
export type Dialect = 'sqlite' | 'postgres';
