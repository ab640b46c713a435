// What "a named error" means for inputs from outside: an Error that lowbit wrote, saying what
// is wrong, rather than a TypeError or an engine message leaking from deep inside.
import assert from 'node:assert/strict';

/** Engine messages that mean an input reached code that never checked it. */
const ENGINE = [
  /^Cannot (read|set) propert/,
  /is not a function/,
  /is not iterable/,
  /^Invalid (typed )?array length/,
  /out of bounds/,
  /^Maximum call stack/,
  /^Unexpected (token|end of JSON)/,
  /^undefined is not/,
  /^Cannot convert/,
];

export function assertNamedError(e: unknown, input?: unknown): void {
  const show = (): string => {
    try {
      return JSON.stringify(input)?.slice(0, 300) ?? String(input);
    } catch {
      return String(input);
    }
  };
  assert.ok(e instanceof Error, `threw a non-Error ${String(e)} for ${show()}`);
  assert.ok(
    !(e instanceof TypeError) && !(e instanceof ReferenceError),
    `raw ${e.name}: ${e.message} for ${show()}`,
  );
  assert.ok(e.message.length > 10, `an error without a message for ${show()}`);
  for (const p of ENGINE) assert.doesNotMatch(e.message, p, `engine message for ${show()}`);
}
