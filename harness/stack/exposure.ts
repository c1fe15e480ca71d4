// What a local stack's processes listen on beyond loopback: the run's traffic stays on this machine,
// and a part that listens on 0.0.0.0 (or a public address) is reachable by every other host.
import type { ManagedProcess } from '../core/process.ts';
import { listeningAddresses, processTree } from '../core/procfs.ts';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[?::1\]?|::ffff:127\.\d+\.\d+\.\d+):\d+$/;

/** One line per process (of each part's tree) listening beyond loopback: the part, the pid and the addresses. */
export function beyondLoopback(processes: readonly ManagedProcess[]): string[] {
  const out: string[] = [];
  for (const p of processes) {
    if (p.pid === undefined || p.hasExited) continue;
    for (const pid of processTree(p.pid)) {
      const wide = listeningAddresses(pid).filter((a) => !LOOPBACK.test(a));
      if (wide.length) out.push(`${p.spec.name} (pid ${pid}) listens on ${wide.join(', ')}`);
    }
  }
  return out;
}
