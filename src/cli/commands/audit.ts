import { createWriteStream } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Option, type Command } from 'commander';
import { verifyAuditChain } from '../../audit/verifyAuditChain.js';
import { auditExportFormats, exportAuditEvents, type AuditExportFormat } from '../../audit/exportAuditEvents.js';
import { printJson, printLines } from '../output.js';
import { parseSince } from '../parseSince.js';
import { withContext } from '../withContext.js';

/** Exit code of `audit verify` when the chain is broken (1 stays "could not check": any other error). */
export const CHAIN_BROKEN_EXIT_CODE = 2;

/** `gatehouse audit verify | export`: check the tamper-evident audit log, stream it to a SIEM. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit log');

  audit.command('verify')
    .description(`recompute the audit hash chain; exit ${CHAIN_BROKEN_EXIT_CODE} and name the first broken link when an event was changed, deleted or inserted`)
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => withContext(async (ctx) => {
      const report = await verifyAuditChain(ctx.store);
      if (!report.ok) process.exitCode = CHAIN_BROKEN_EXIT_CODE;
      if (o.json) { printJson(report); return; }
      if (report.ok) {
        printLines([`audit log OK: ${report.count} event(s), chain head seq ${report.head.seq} hash ${report.head.hash}`]);
      } else {
        printLines([`audit log BROKEN at seq ${report.break.seq} (${report.break.kind}): ${report.break.message}`, `${report.count} event(s) before it verified`]);
      }
    }));

  audit.command('export')
    .description('stream audit events, oldest first, as JSON Lines or CSV (for a SIEM)')
    .option('--since <time>', 'only events at or after: a duration back from now (30m, 24h, 7d) or an ISO 8601 time (2026-01-31T08:00:00Z)')
    .addOption(new Option('--format <format>', 'output format').choices(auditExportFormats).default('jsonl'))
    .option('-o, --output <file>', 'write to this file instead of stdout (created with mode 0600: it holds usernames and addresses)')
    .action(async (o: { since?: string; format: AuditExportFormat; output?: string }) => withContext(async (ctx) => {
      const since = o.since === undefined ? undefined : parseSince(o.since, ctx.now().getTime());
      const out: Writable = o.output ? createWriteStream(o.output, { mode: 0o600 }) : process.stdout;
      const source = Readable.from(exportAuditEvents(ctx.store, { format: o.format, ...(since !== undefined ? { since } : {}) }));
      await pipeline(source, out, { end: out !== process.stdout });
    }));
}
