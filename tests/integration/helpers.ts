import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** Processes of the kinds a run starts, by pid → command line (read from /proc, no tools needed). */
export function stackProcesses(): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue; // exited meanwhile
    }
    if (/(^|\/)(mariadbd|toxiproxy-server|haproxy|k6) |fixtures\/photo\//.test(`${cmd} `)) found.set(Number(entry), cmd);
  }
  return found;
}

/** What is running now that was not running before. */
export function newProcesses(before: Map<number, string>): string[] {
  return [...stackProcesses()].filter(([pid]) => !before.has(pid)).map(([pid, cmd]) => `${pid} ${cmd}`);
}

export function runTempDirs(): string[] {
  return readdirSync(os.tmpdir()).filter((d) => d.startsWith('brownout-2')).sort();
}
