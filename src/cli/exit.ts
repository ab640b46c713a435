// SPDX-License-Identifier: MIT
// The exit status a command asks for besides 0 and errors (130 after Ctrl-C, say): commander's
// actions return nothing, so they leave it here and `main` returns it.

let status = 0;

export function setExitStatus(code: number): void {
  status = code;
}

/** The status asked for since the last call, then reset to 0. */
export function takeExitStatus(): number {
  const s = status;
  status = 0;
  return s;
}
