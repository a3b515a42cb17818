/**
 * The interactive role picker for a terminal: ↑/↓ (or Ctrl-P/Ctrl-N) move, typing filters on alias, role
 * name, account id and description, Enter picks, Esc or Ctrl-C cancels. Drawn on stderr, so stdout stays
 * clean for `--print`. `pickerLines` is the pure part (what is drawn for a state).
 */
import { emitKeypressEvents } from 'node:readline';
import { GatehouseError } from '../../errors.js';
import type { CliRole } from './apiSchemas.js';
import { blockedReason, roleLabel } from './selectRoles.js';

const visibleRows = 10;

/** Roles whose label, account id or description contain every word of `query` (case-insensitive). */
export function filterRoles(roles: readonly CliRole[], query: string): CliRole[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return roles.filter((r) => {
    const text = `${roleLabel(r)} ${r.accountId} ${r.description ?? ''}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** What a role's line says after its name: account id, description and what using it will take. */
function note(r: CliRole): string {
  const needs = r.allowedNow ? '' : blockedReason(r) ? '  (not allowed from here)' : r.requireFactor === 'webauthn' ? '  (asks for your security key)' : '  (asks for another factor)';
  return `${r.accountId}${r.description ? `  ${r.description}` : ''}${needs}`;
}

/** The picker's lines for `query` with the cursor on row `cursor` of the filtered list, cut to `width`. */
export function pickerLines(roles: readonly CliRole[], query: string, cursor: number, width: number): string[] {
  const shown = filterRoles(roles, query);
  const labelWidth = Math.max(0, ...roles.map((r) => roleLabel(r).length));
  const top = Math.min(Math.max(0, cursor - visibleRows + 1), Math.max(0, shown.length - visibleRows));
  const lines = [
    'Choose an AWS role (↑/↓ move, type to filter, Enter picks, Esc cancels)',
    `Filter: ${query}`,
    ...shown.slice(top, top + visibleRows).map((r, i) => `${top + i === cursor ? '>' : ' '} ${roleLabel(r).padEnd(labelWidth)}  ${note(r)}`),
  ];
  if (shown.length === 0) lines.push('  (no role matches)');
  else if (shown.length > visibleRows) lines.push(`  ${shown.length} roles; ${Math.max(0, shown.length - top - visibleRows)} more below`);
  const max = Math.max(20, width - 1);
  return lines.map((l) => ([...l].length > max ? [...l].slice(0, max - 1).join('') + '…' : l));
}

interface Key { name?: string; ctrl?: boolean; meta?: boolean; sequence?: string }

/** Shows the picker on a terminal and resolves with the chosen role; rejects when cancelled. */
export function pickRole(roles: readonly CliRole[], io: { input: NodeJS.ReadStream; output: NodeJS.WriteStream } = { input: process.stdin, output: process.stderr }): Promise<CliRole> {
  const { input, output } = io;
  let query = '';
  let cursor = Math.max(0, roles.findIndex((r) => r.allowedNow));
  let drawn = 0;
  const draw = (final?: string): void => {
    const width = output.columns || Number(process.env.COLUMNS) || 80;
    const lines = final === undefined ? pickerLines(roles, query, cursor, width) : [final];
    const highlighted = lines.map((l) => (l.startsWith('>') ? `\x1b[7m${l}\x1b[27m` : l));
    output.write(`${drawn > 0 ? `\x1b[${drawn}F` : ''}\x1b[J${highlighted.join('\n')}\n`);
    drawn = lines.length;
  };
  return new Promise((resolve, reject) => {
    const finish = (err: Error | null, role?: CliRole): void => {
      input.removeListener('keypress', onKey);
      if (input.isTTY) input.setRawMode(false);
      input.pause();
      draw(role ? `Role: ${roleLabel(role)}` : 'No role chosen.');
      output.write('\x1b[?25h');
      if (err) reject(err); else resolve(role!);
    };
    const onKey = (str: string | undefined, key: Key = {}): void => {
      const shown = filterRoles(roles, query);
      if ((key.ctrl && (key.name === 'c' || key.name === 'd')) || key.name === 'escape') { finish(new GatehouseError('bad_request', 'no role chosen')); return; }
      if (key.name === 'return' || key.name === 'enter') {
        const r = shown[cursor];
        if (!r || blockedReason(r)) { output.write('\x07'); return; }
        finish(null, r);
        return;
      }
      if (key.name === 'up' || (key.ctrl && key.name === 'p')) cursor = Math.max(0, cursor - 1);
      else if (key.name === 'down' || (key.ctrl && key.name === 'n')) cursor = Math.min(shown.length - 1, cursor + 1);
      else if (key.name === 'pageup') cursor = Math.max(0, cursor - visibleRows);
      else if (key.name === 'pagedown') cursor = Math.min(shown.length - 1, cursor + visibleRows);
      else if (key.name === 'backspace') { query = [...query].slice(0, -1).join(''); cursor = 0; }
      else if (key.ctrl && key.name === 'u') { query = ''; cursor = 0; }
      else if (str && !key.ctrl && !key.meta && [...str].every((ch) => ch >= ' ' && ch !== '\x7f')) { query += str; cursor = 0; }
      else return;
      cursor = Math.max(0, cursor);
      draw();
    };
    emitKeypressEvents(input);
    if (input.isTTY) input.setRawMode(true);
    input.on('keypress', onKey);
    input.resume();
    output.write('\x1b[?25l');
    draw();
  });
}
