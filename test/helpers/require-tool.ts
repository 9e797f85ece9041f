// Tests that need a Debian tool (chromium, promtool, systemd-analyze): .ci/apt-packages installs
// them, so in CI (env CI set) a missing tool is a failure. Elsewhere the test is skipped, with the
// reason printed by node:test.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findTool(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  return null;
}

/**
 * The tool's path; when it is absent: throws in CI (env CI set), elsewhere marks the test skipped
 * with the reason and returns null (the caller returns).
 */
export function requireTool(t: { skip: (message?: string) => void }, name: string, pkg: string): string | null {
  const path = findTool(name);
  if (path) return path;
  const why = `${name} not found on PATH (Debian package ${pkg}; listed in .ci/apt-packages)`;
  if (process.env.CI) throw new Error(`${why}: required in CI`);
  t.skip(`skipped: ${why}`);
  return null;
}
