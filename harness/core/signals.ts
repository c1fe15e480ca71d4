// The one signal path of every command that starts anything (run, margin, soak, bench): SIGINT,
// SIGTERM or SIGHUP aborts the command's controller, which stops the load, heals the faults and
// tears down; the command then exits 2. A second signal bounds teardown: the process exits 2
// after a grace, naming what was still pending.

/** The signals that end a command: Ctrl-C, `timeout` / a CI job's cancel / a supervisor, a closed terminal. */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** How long teardown may take after a second signal before the process exits anyway. */
export const FORCED_EXIT_GRACE_MS = 5_000;

export interface InterruptOptions {
  /** What the first signal stops, in the command's words: "stopping the load, healing faults, tearing down". */
  doing: string;
  /** What is still to be released, for the forced exit's message. */
  pending?: () => readonly string[];
  write?: (text: string) => void;
}

/** Aborts `controller` (reason: the signal's name) on the first signal; returns what uninstalls the handlers. */
export function abortOnSignals(controller: AbortController, o: InterruptOptions): () => void {
  const write = o.write ?? ((t: string) => process.stderr.write(t));
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      write(`\nbrownout: ${sig}: ${o.doing} (again to force exit)\n`);
      controller.abort(sig);
    } else if (signals === 2) {
      write(`brownout: ${sig} again: exiting in ${FORCED_EXIT_GRACE_MS / 1000} s whether or not teardown has finished\n`);
      setTimeout(() => {
        const left = o.pending?.() ?? [];
        write(
          left.length
            ? `brownout: forced exit; could not clean up:\n${left.map((l) => `  - ${l}`).join('\n')}\n`
            : 'brownout: forced exit; nothing was left to clean up\n',
        );
        process.exit(2);
      }, FORCED_EXIT_GRACE_MS).unref();
    }
  };
  for (const sig of INTERRUPT_SIGNALS) process.on(sig, onSignal);
  return () => {
    for (const sig of INTERRUPT_SIGNALS) process.off(sig, onSignal);
  };
}
