// The shipped forms as the benches run them: the V8 option both packages start with, and
// pve-health-nodejs as a node has it once installed (its files and the code cache its postinst writes).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The V8 option both packages start with (scripts/package/sea.ts SEA_EXEC_ARGV: the executable embeds
 * it, pve-health-nodejs's #! line names it) and the Debian version of the packages (scripts/package/deb.ts
 * debianVersion), read from the sources; no option and no version where they cannot be read.
 */
export function packageFacts(repo) {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `Promise.all([import('./scripts/package/sea.ts'), import('./scripts/package/deb.ts')]).then(([s, d]) =>
        console.log(JSON.stringify({ argv: s.SEA_EXEC_ARGV, debVersion: d.debianVersion(${JSON.stringify(pkg.version)}) })))`,
    ],
    { cwd: repo, encoding: 'utf8' },
  );
  return JSON.parse(r.stdout || '{"argv":[],"debVersion":null}');
}

/**
 * pve-health-nodejs as a node has it once installed (`npm run package` built it): its files unpacked in a
 * temporary directory (removed at exit), and the code cache its postinst writes, written the same way by
 * `node` with `argv` (the package's V8 option). The program takes only a cache root owns, so without root
 * there is none: null.
 */
export function installedNodejsPackage(repo, node, argv, debVersion) {
  const deb = join(repo, 'dist', `pve-health-nodejs_${debVersion}_all.deb`);
  if (!debVersion || !existsSync(deb) || process.getuid?.() !== 0) return null;
  // Outside this repository, whose package.json ("type": "module") would make node read the program as ESM.
  const root = mkdtempSync(join(tmpdir(), 'pve-health-bench-nodejs-'));
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  const run = (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  };
  run('dpkg-deb', ['-x', deb, root]);
  run(node, [
    ...argv,
    join(root, 'usr/lib/pve-health/warm-code-cache.cjs'),
    '--installed',
    join(root, 'usr/bin/pve-health'),
  ]);
  return join(root, 'usr/bin/pve-health');
}
