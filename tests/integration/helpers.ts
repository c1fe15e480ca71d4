import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
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

/** Parent pid of every live process, from /proc/<pid>/stat. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.set(Number(entry), ppid);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Every live descendant of `root`, with its command line. */
export function descendants(root: number): Map<number, string> {
  const pp = parents();
  const found = new Map<number, string>();
  let frontier = [root];
  while (frontier.length) {
    const next: number[] = [];
    for (const [pid, ppid] of pp) {
      if (frontier.includes(ppid) && !found.has(pid)) {
        let cmd = '';
        try {
          cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
        } catch {
          continue;
        }
        found.set(pid, cmd);
        next.push(pid);
      }
    }
    frontier = next;
  }
  return found;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie is dead for our purposes: it holds no port, file or lock.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Watches the process tree under `root` while `during` runs (every 100 ms), so that every process
 * the run started is known even if it lived only briefly. Vitest's own workers are left out.
 */
export async function watchTree<T>(root: number, during: (tree: Map<number, string>) => Promise<T>): Promise<{ value: T; seen: Map<number, string> }> {
  const seen = new Map<number, string>();
  const ignore = new Set(descendants(root).keys());
  const poll = () => {
    for (const [pid, cmd] of descendants(root)) if (!ignore.has(pid)) seen.set(pid, cmd);
  };
  const timer = setInterval(poll, 100);
  try {
    const value = await during(seen);
    poll();
    return { value, seen };
  } finally {
    clearInterval(timer);
  }
}

/** True when nothing listens on 127.0.0.1:port any more (we can bind it ourselves). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Socket inodes a process holds open. */
function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m?.[1]) out.add(m[1]);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // exited
  }
  return out;
}

/** The local addresses ("127.0.0.1:port", "0.0.0.0:port", "[::]:port") a process listens on, from /proc/net/tcp{,6}. */
export function listeningAddresses(pid: number): string[] {
  const inodes = socketInodes(pid);
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9] ?? '')) continue; // 0A = LISTEN
      const [hex = '', portHex = '0'] = (f[1] ?? '').split(':');
      const port = parseInt(portHex, 16);
      if (hex.length === 8) {
        const ip = [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
        out.push(`${ip}:${port}`);
      } else {
        out.push(hex === '00000000000000000000000001000000' ? `[::1]:${port}` : hex === '0'.repeat(32) ? `[::]:${port}` : `[${hex}]:${port}`);
      }
    }
  }
  return out;
}
