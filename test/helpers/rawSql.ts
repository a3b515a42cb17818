/**
 * Plain SQL on a test database through its own connection (better-sqlite3 or pg), bypassing the store: for
 * tests that change rows behind Gatehouse's back. Write `$1`, `$2`, … for parameters on both databases.
 */
import SQLite from 'better-sqlite3';
import pg from 'pg';

export async function rawSql<T = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  if (url.startsWith('sqlite:')) {
    const db = new SQLite(url.slice('sqlite:'.length));
    try {
      db.pragma('busy_timeout = 5000');
      const order = [...text.matchAll(/\$(\d+)/g)].map((m) => params[Number(m[1]) - 1]);
      const st = db.prepare(text.replace(/\$\d+/g, '?'));
      return (st.reader ? st.all(...order) : (st.run(...order), [])) as T[];
    } finally {
      db.close();
    }
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}
