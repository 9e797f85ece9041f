// The Proxmox corpus: upstream test data read in place from ../shared/corpus/pve beside the checkout
// (never copied into the project). Tests that need it skip with a message when it is absent.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `PVE_CORPUS` overrides the default `<repo>/../shared/corpus/pve`. */
export const CORPUS_DIR = process.env.PVE_CORPUS ?? resolve(REPO, '..', 'shared', 'corpus', 'pve');

export function corpusPath(...parts: string[]): string {
  return join(CORPUS_DIR, ...parts);
}

export function readCorpus(...parts: string[]): string {
  return readFileSync(corpusPath(...parts), 'utf8');
}

/** True when the corpus is there; otherwise marks the test skipped with where it looked. */
export function haveCorpus(t: { skip: (message?: string) => void }, ...parts: string[]): boolean {
  const p = corpusPath(...parts);
  if (existsSync(p)) return true;
  t.skip(`corpus not found at ${p}`);
  return false;
}
