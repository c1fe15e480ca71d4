// The run's reaper: started by the run, in a process group of its own, with a pipe from the
// harness as its stdin. When the pipe closes (the harness exited, however: even SIGKILL or an OOM
// kill closes it) and the harness is gone, it removes what the run's record still names (the
// record is deleted when teardown released everything), notes what it removed in REAPED_LOG for
// the next run or `brownout clean` to say, and exits. Signals a terminal or a group kill sends are
// the harness's to act on: the reaper waits for the pipe.
import { appendFileSync, existsSync } from 'node:fs';
import { REAPED_LOG, sweepRecord } from './ledger.ts';
import { stillAlive } from './procfs.ts';

const [file = '', pid = '0', startTime = '0'] = process.argv.slice(2);
const harness = { pid: Number(pid), startTime: Number(startTime) };
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => undefined);

async function reap(): Promise<void> {
  // Teardown released everything and deleted the record: nothing to do.
  if (!existsSync(file)) return;
  // The pipe closes as the harness exits, a moment before it is gone.
  for (let i = 0; i < 500 && stillAlive([harness]).length; i++) await new Promise((r) => setTimeout(r, 20));
  if (!existsSync(file)) return;
  const removed = await sweepRecord(file);
  if (removed.length) appendFileSync(REAPED_LOG, removed.map((l) => `${new Date().toISOString()} reaper: ${l}\n`).join(''), { mode: 0o600 });
}

process.stdin.on('data', () => undefined);
process.stdin.once('close', () => {
  reap().finally(() => process.exit(0));
});
