// The per-action question on a terminal: y(es) / n(o) / a(ll remaining) / q(uit); Enter means no.
// No PVE lock is held while this waits (the executor takes them after the answer).
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export type Answer = 'y' | 'n' | 'a' | 'q';

/** null: not an answer, ask again. */
export function parseAnswer(text: string): Answer | null {
  const t = text.trim().toLowerCase();
  if (t === '' || t === 'n' || t === 'no') return 'n';
  if (t === 'y' || t === 'yes') return 'y';
  if (t === 'a' || t === 'all') return 'a';
  if (t === 'q' || t === 'quit') return 'q';
  return null;
}

export interface Prompter {
  ask(question: string): Promise<Answer>;
  close(): void;
}

/** `shown`: the terminal sanitiser for the question (it names maps and LVs from the node). */
export function createPrompter(
  input: Readable,
  output: Writable,
  shown: (text: string) => string = (t) => t,
): Prompter {
  const rl = createInterface({ input, output, terminal: Boolean((input as { isTTY?: boolean }).isTTY) });
  const lines: string[] = [];
  let waiting: ((l: string | null) => void) | null = null;
  let ended = false;
  rl.on('line', (l) => {
    if (waiting) {
      const w = waiting;
      waiting = null;
      w(l);
    } else lines.push(l);
  });
  rl.on('close', () => {
    ended = true;
    if (waiting) {
      const w = waiting;
      waiting = null;
      w(null);
    }
  });
  const next = (): Promise<string | null> => {
    if (lines.length) return Promise.resolve(lines.shift()!);
    if (ended) return Promise.resolve(null);
    return new Promise((r) => {
      waiting = r;
    });
  };
  return {
    async ask(question) {
      for (;;) {
        output.write(`${shown(question)} [y/N/a/q] `);
        const line = await next();
        // End of input (Ctrl-D) stops, like q.
        if (line === null) {
          output.write('\n');
          return 'q';
        }
        const a = parseAnswer(line);
        if (a) return a;
        output.write('please answer y (yes), n (no, also Enter), a (all remaining) or q (quit)\n');
      }
    },
    close() {
      rl.close();
    },
  };
}
