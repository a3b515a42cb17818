import { createInterface } from 'node:readline';
import { GatehouseError } from '../errors.js';

/** The first line of a stream (read to its end), without the line break. */
export async function readFirstLine(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** Prompts on stderr and reads one line from a terminal without echoing it. */
export function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (err) reject(err); else resolve(value);
    };
    const onData = (data: Buffer): void => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') { done(); return; }
        if (ch === '\u0003') { done(new GatehouseError('bad_request', 'cancelled')); return; }
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** Prompts on stderr and reads one line from a terminal, echoed; `fallback` when the answer is empty. */
export async function promptLine(prompt: string, fallback = ''): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      rl.once('SIGINT', () => reject(new GatehouseError('bad_request', 'cancelled')));
      rl.question(prompt, resolve);
    });
    return answer.trim() || fallback;
  } finally {
    rl.close();
  }
}

/**
 * Reads a new password: the first line of stdin when it is not a terminal (`echo … | gatehouse user
 * set-password alice`), otherwise a prompt without echo, asked twice. Never from the command line, where
 * it would end up in the shell history and the process list.
 */
export async function readNewPassword(): Promise<string> {
  let password: string;
  if (!process.stdin.isTTY) {
    password = await readFirstLine(process.stdin);
  } else {
    password = await promptHidden('New password: ');
    const again = await promptHidden('Repeat it: ');
    if (again !== password) throw new GatehouseError('bad_request', 'the two passwords differ: nothing was changed');
  }
  if (password === '') throw new GatehouseError('bad_request', 'no password given (pipe it on stdin or type it at the prompt)');
  return password;
}
