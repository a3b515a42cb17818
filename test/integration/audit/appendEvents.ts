// Child process for auditChain.test.ts: `appendEvents.ts <database url> <n>` appends n events concurrently, then exits.
import { openStore } from '../../../src/store/store.js';
import { recordAudit } from '../../../src/audit/recordAudit.js';

const [url, n] = process.argv.slice(2);
const store = await openStore(url!, { migrate: false });
try {
  await Promise.all(Array.from({ length: Number(n) }, (_, i) =>
    recordAudit(store, { type: 'login.mfa', outcome: 'success', username: `pid${process.pid}-${i}`, factor: 'totp', detail: { purpose: 'login', step: i } })));
} finally {
  await store.close();
}
