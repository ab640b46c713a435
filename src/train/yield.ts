// SPDX-License-Identifier: MIT
// Lets the event loop run between training steps, so a signal handler (Node) or a message
// (a browser worker) is served within one batch. setImmediate where it exists; elsewhere a
// MessageChannel, which unlike setTimeout is not clamped to 4 ms.

let channel: MessageChannel | null = null;
const waiting: (() => void)[] = [];

export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(r));
  if (typeof MessageChannel !== 'function') return new Promise((r) => setTimeout(r, 0));
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
  }
  const c = channel;
  return new Promise((r) => {
    waiting.push(r);
    c.port2.postMessage(0);
  });
}
