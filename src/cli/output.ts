/**
 * CLI output: `--json` (one JSON document on stdout, for scripts) or text (aligned tables and `key: value`
 * lines, for people). Errors never go through here: main.ts writes them to stderr.
 */

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
}

const write = (s: string): void => { process.stdout.write(s); };

/** Writes `value` as pretty JSON. */
export function printJson(value: unknown): void {
  write(JSON.stringify(value, null, 2) + '\n');
}

/** Writes lines of text. */
export function printLines(lines: readonly string[]): void {
  if (lines.length > 0) write(lines.join('\n') + '\n');
}

/** Writes rows as an aligned table with a header line; `empty` when there is no row. */
export function printTable<T>(rows: readonly T[], columns: readonly Column<T>[], empty = '(none)'): void {
  if (rows.length === 0) { printLines([empty]); return; }
  const cells = rows.map((r) => columns.map((c) => { const v = c.value(r); return v === null || v === undefined ? '-' : String(v); }));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]): string => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!))).join('  ').trimEnd();
  printLines([line(columns.map((c) => c.header)), ...cells.map(line)]);
}

/** Writes `key: value` lines, keys aligned; undefined values are skipped. */
export function printFields(fields: readonly (readonly [string, string | number | null | undefined])[]): void {
  const shown = fields.filter(([, v]) => v !== undefined);
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  printLines(shown.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v === null ? '-' : String(v)}`));
}

/** `{a: "1", b: "2"}` → `a=1, b=2` (or `-`). */
export function formatRecord(r: Record<string, string>): string {
  const parts = Object.entries(r).map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(', ') : '-';
}

/** ms since the epoch → ISO 8601, or `-`. */
export function formatTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : new Date(ms).toISOString();
}
