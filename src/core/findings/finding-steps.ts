// A finding's next steps as every output form prints them (core/next-step.ts): the words — a drop step
// marked irreversible — then the command, shell-quoted, alone on its line. Pure.
import { type NextStep, stepWords } from '../next-step';
import { shellQuote } from '../shell-quote';

/** A next step as every output prints it: its words, then its command (shell-quoted) alone on a line. */
export interface FindingStep {
  kind: NextStep['kind'];
  /** The words before the command, the irreversible mark included (stepWords). */
  text: string;
  command: string | null;
  irreversible: boolean;
}

/** The entry's steps as findings carry them, and its hint only where no steps say it. */
export function stepsOf(e: { hint?: string; steps?: NextStep[] }): { steps: FindingStep[]; hint: string | null } {
  if (!e.steps?.length) return { steps: [], hint: e.hint ?? null };
  return {
    hint: null,
    steps: e.steps.map((s) => ({
      kind: s.kind,
      text: stepWords(s),
      command: s.command ? shellQuote(s.command) : null,
      irreversible: s.irreversible,
    })),
  };
}
