// SPDX-License-Identifier: MIT
// Ctrl-C and SIGTERM for long commands (train, repro): the first asks the run to stop after the
// current step, save a checkpoint and say how to resume; a second quits at once. Quitting at
// once corrupts nothing: every file a run rewrites is replaced atomically, appended lines are
// covered by the checkpoint, and the run folder's lock is removed on exit.

/** Exit status of a process stopped by a signal: 128 + its number (SIGINT 130, SIGTERM 143). */
export const SIGNAL_EXIT: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };
export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface StopRequest {
  /** The signal that asked to stop, or null while none has. */
  readonly signal: StopSignal | null;
  /** Removes the handlers (the command is done). */
  dispose(): void;
}

/**
 * Installs the handlers. `first` is printed at the first signal (what will happen); a second
 * signal of either kind exits at once with the status of the first.
 */
export function handleStopSignals(print: (line: string) => void, first: string): StopRequest {
  let signal: StopSignal | null = null;
  const on = (s: StopSignal) => (): void => {
    if (signal) {
      print('quitting at once; the last checkpoint is intact');
      process.exit(SIGNAL_EXIT[signal]);
    }
    signal = s;
    print(`${s === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'}: ${first} (Ctrl-C again to quit at once)`);
  };
  const handlers = { SIGINT: on('SIGINT'), SIGTERM: on('SIGTERM') };
  process.on('SIGINT', handlers.SIGINT);
  process.on('SIGTERM', handlers.SIGTERM);
  return {
    get signal() {
      return signal;
    },
    dispose() {
      process.off('SIGINT', handlers.SIGINT);
      process.off('SIGTERM', handlers.SIGTERM);
    },
  };
}
