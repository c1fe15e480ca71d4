import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { leftAfterTeardown } from '../../harness/core/leftovers.ts';
import { waitUntil } from '../../harness/core/ports.ts';
import { bootTickNow, bornOfRun, listenersOf, processInfo } from '../../harness/core/procfs.ts';

// Runs side by side on one machine (two CI jobs, the suite's two lanes): a port or a process of the
// other run is not this run's leftover; a daemon this run's service forked off still is.
const LISTEN = "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port)})";
const killed: number[] = [];
afterAll(() => {
  for (const pid of killed)
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
});

/** Waits for a port printed on `child`'s stdout; the listener's pid found from the port. */
async function portOf(child: ChildProcess): Promise<{ port: number; pid: number }> {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += String(d);
  });
  expect(await waitUntil(async () => /^\d+\n/.test(out), { timeoutMs: 10_000 })).toBe(true);
  const port = Number(out.trim());
  const [pid] = listenersOf(port);
  expect(pid).toBeDefined();
  killed.push(pid as number);
  return { port, pid: pid as number };
}

const tickPast = async (): Promise<number> => {
  await new Promise((r) => setTimeout(r, 30)); // ticks are 10 ms
  return bootTickNow();
};

describe('whose leftover a port or a process is, with runs side by side', () => {
  it("another harness's listener, born since this run began, is not this run's; a daemon of this run's is", async () => {
    // Another harness on the machine, started before this run: it starts a listener when told to.
    const other = spawn(
      process.execPath,
      [
        '-e',
        `process.stdin.once('data',()=>require('child_process').spawn(process.execPath,['-e',${JSON.stringify(LISTEN)}],{stdio:['ignore','inherit','inherit']}))`,
      ],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    killed.push(other.pid as number);
    const since = await tickPast();
    other.stdin?.write('go\n');
    const theirs = await portOf(other);
    expect(processInfo(theirs.pid)?.ppid).toBe(other.pid);
    expect(bornOfRun(theirs.pid, process.pid, since)).toBe(false);
    expect(bornOfRun(theirs.pid, other.pid as number, since)).toBe(true); // its own harness's
    // This run's service forks a daemon (its parent exits at once: reparented to init).
    const daemon = await portOf(spawn('sh', ['-c', `${process.execPath} -e "${LISTEN}" & exit 0`], { stdio: ['ignore', 'pipe', 'inherit'] }));
    expect(await waitUntil(async () => processInfo(daemon.pid)?.ppid === 1, { timeoutMs: 5_000 })).toBe(true);
    expect(bornOfRun(daemon.pid, process.pid, since)).toBe(true);
    const left = await leftAfterTeardown({ processes: [], ports: [theirs.port, daemon.port], sinceTick: since });
    expect(left).toEqual([expect.stringMatching(new RegExp(`^port ${daemon.port} still bound after teardown by pid ${daemon.pid} `))]);
    // Born before the run began: not the run's, whoever its parent is.
    expect(bornOfRun(daemon.pid, process.pid, await tickPast())).toBe(false);
  });
});
