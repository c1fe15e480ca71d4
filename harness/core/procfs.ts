import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

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

/** Listening TCP sockets of the machine: inode → "ip:port" (IPv6 as [hex]:port, ::1 and :: named). */
function listeningSockets(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A = LISTEN
      const [hex = '', portHex = '0'] = (f[1] ?? '').split(':');
      const port = parseInt(portHex, 16);
      let addr: string;
      if (hex.length === 8) addr = `${[3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.')}:${port}`;
      else addr = hex === '00000000000000000000000001000000' ? `[::1]:${port}` : hex === '0'.repeat(32) ? `[::]:${port}` : `[${hex}]:${port}`;
      out.set(f[9] ?? '', addr);
    }
  }
  return out;
}

/** The addresses a process listens on, read from /proc (Linux). */
export function listeningAddresses(pid: number): string[] {
  const sockets = listeningSockets();
  return [...socketInodes(pid)].flatMap((i) => (sockets.has(i) ? [sockets.get(i) as string] : []));
}

/** Parent pid of every live process. */
export function parentPids(): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
      out.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** `root` and every live descendant of it. */
export function processTree(root: number): number[] {
  return processTrees([root]);
}

/**
 * Every root and every live descendant of each, once: /proc is read once for all of them (the
 * machine watch walks several trees four times a second).
 */
export function processTrees(roots: readonly number[]): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentPids()) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const found = [...new Set(roots)];
  const seen = new Set(found);
  for (let i = 0; i < found.length; i++)
    for (const child of children.get(found[i] as number) ?? [])
      if (!seen.has(child)) {
        seen.add(child);
        found.push(child);
      }
  return found;
}

/**
 * The process in `root`'s tree that listens on `port`: the one actually serving (a process manager's
 * worker rather than the manager). Undefined when none does.
 */
export function servingPid(root: number, port: number): number | undefined {
  return processTree(root).find((pid) => listeningAddresses(pid).some((a) => a.endsWith(`:${port}`)));
}

/** What /proc says of one process. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Process group. */
  pgrp: number;
  /** R, S, D, Z, T, ... */
  state: string;
  /** Clock ticks since boot: with the pid, the process's identity (a reused pid has another). */
  startTime: number;
  /** Empty for a process that is exiting (its memory already released) or a zombie. */
  cmdline: string;
}

export function processInfo(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      // exited meanwhile
    }
    return { pid, ppid: Number(f[1]), pgrp: Number(f[2]), state: f[0] ?? '?', startTime: Number(f[19]), cmdline };
  } catch {
    return undefined;
  }
}

/** A process as first seen: pid and start time. */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
}

export function identify(pid: number): ProcessIdentity | undefined {
  const i = processInfo(pid);
  return i ? { pid, startTime: i.startTime } : undefined;
}

/**
 * Those of `ids` still alive: the same pid with the same start time (a reused pid is someone
 * else), and not a zombie (which holds no port, file or lock, and waits only for its reaper).
 */
export function stillAlive(ids: readonly ProcessIdentity[]): ProcessInfo[] {
  return ids.flatMap((id) => {
    const i = processInfo(id.pid);
    return i && i.startTime === id.startTime && i.state !== 'Z' && i.state !== 'X' ? [i] : [];
  });
}

/** Every live member of a process group. */
export function groupMembers(pgrp: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgrp) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** The pids holding a listening socket on 127.0.0.1:port (or any address, port), read from /proc. */
export function listenersOf(port: number): number[] {
  const sockets = listeningSockets();
  const inodes = new Set([...sockets].filter(([, a]) => a.endsWith(`:${port}`)).map(([i]) => i));
  if (inodes.size === 0) return [];
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    for (const i of socketInodes(Number(entry))) {
      if (inodes.has(i)) {
        out.push(Number(entry));
        break;
      }
    }
  }
  return out;
}

/** One line naming a process: pid, state, parent, start time, command line. */
export function describeProcess(p: ProcessInfo): string {
  return `pid ${p.pid} (state ${p.state}, parent ${p.ppid}, started at tick ${p.startTime}): ${p.cmdline || '(no command line: exiting)'}`;
}

/** Now, in the unit of a process's start time: clock ticks since boot (USER_HZ, 100 on Linux). */
export function bootTickNow(): number {
  return Math.floor(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 100);
}

/** The pid namespace a process lives in (a container's processes have their own), or undefined once it exited. */
export function pidNamespace(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is the run's: `owner` (the harness) or a descendant of it, or an orphan of the
 * run (a daemon a service forked off, reparented to init). Read up its ancestors: those born since
 * `sinceTick` are the run's kin; the first one older than that decides: `owner` or init (pid 1)
 * means the run's, anything else (another harness on this machine, a container engine, a shell)
 * someone else's. A process in another pid namespace (a container's) is never the run's here.
 * With several runs on one machine, another run's processes and ports are not this run's leftovers.
 */
export function bornOfRun(pid: number, owner: number, sinceTick: number): boolean {
  const ownNs = pidNamespace(process.pid);
  if (ownNs === undefined || pidNamespace(pid) !== ownNs) return false;
  for (let p = pid, hops = 0; hops < 64; hops++) {
    if (p === owner) return true;
    if (p <= 1) return p === 1;
    const info = processInfo(p);
    if (!info) return false;
    if (info.startTime < sinceTick) return false;
    p = info.ppid;
  }
  return false;
}

/** CPU time one process has used: user + system clock ticks (fields 14 and 15 of /proc/PID/stat); undefined once it is gone. */
export function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11] ?? 0) + Number(f[12] ?? 0);
  } catch {
    return undefined;
  }
}
