// The Proxmox corpus: upstream test data read in place from ../shared/corpus/pve beside the checkout
// (never copied into the project). Tests that need it skip with a message when it is absent.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

export interface CorpusConfig {
  file: string;
  type: 'qemu' | 'lxc';
  text: string;
}

/** Every guest config of qemu-server's and pve-container's own test suites in the corpus. */
export function corpusConfigs(): CorpusConfig[] {
  const out: CorpusConfig[] = [];
  const walk = (dir: string, type: 'qemu' | 'lxc') => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p, type);
      else if (e.name.endsWith('.conf')) out.push({ file: p, type, text: readFileSync(p, 'utf8') });
    }
  };
  walk(corpusPath('proxmox+qemu-server/src/test/cfg2cmd'), 'qemu');
  walk(corpusPath('proxmox+qemu-server/src/test/parse-config-input'), 'qemu');
  // Before and after each snapshot operation of the snapshot tests.
  walk(corpusPath('proxmox+qemu-server/src/test/snapshot-input'), 'qemu');
  walk(corpusPath('proxmox+qemu-server/src/test/snapshot-expected'), 'qemu');
  walk(corpusPath('proxmox+pve-container/src/test/snapshot-input'), 'lxc');
  walk(corpusPath('proxmox+pve-container/src/test/snapshot-expected'), 'lxc');
  // Configs as a restore writes them (the -input ones are a backup's own, with `parent:` but no
  // snapshot sections: not a node's).
  walk(corpusPath('proxmox+qemu-server/src/test/restore-config-expected'), 'qemu');
  return out;
}
