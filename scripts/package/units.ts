// The systemd units shipped in the .deb come from the CLI's own module src/render/systemd-units.ts (written by
// the reports work; the dashboard may add pve-health-serve.service). This file only adapts its exports; it
// never writes unit texts of its own. Convention: `export const PVE_HEALTH_SERVE_SERVICE_UNIT = "..."` ships
// as pve-health-serve.service.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface UnitFile {
  name: string;
  text: string;
}

export const UNITS_MODULE = 'src/render/systemd-units.ts';

/** Where the executable lives in the package; the shipped units must run it. */
export const INSTALLED_BINARY = '/usr/bin/pve-health';

const UNIT_NAME = /^pve-health[A-Za-z0-9@._-]*\.(service|timer|socket|path)$/;

/** Accepts what a unit module may reasonably export: [{name, text|content}], or {"x.service": "..."}. */
export function unitsFromValue(value: unknown): UnitFile[] {
  const out: UnitFile[] = [];
  if (Array.isArray(value)) {
    for (const u of value) {
      const o = u as { name?: unknown; fileName?: unknown; text?: unknown; content?: unknown };
      const name = o.name ?? o.fileName;
      const text = o.text ?? o.content;
      if (typeof name === 'string' && typeof text === 'string') out.push({ name, text });
    }
  } else if (value && typeof value === 'object') {
    for (const [name, text] of Object.entries(value as Record<string, unknown>)) {
      if (typeof text === 'string' && UNIT_NAME.test(name)) out.push({ name, text });
    }
  }
  return out.filter((u) => UNIT_NAME.test(u.name) && /^\[Unit\]/m.test(u.text));
}

/**
 * `PVE_HEALTH_TIMER_UNIT` → "pve-health.timer", `PVE_HEALTH_SERVE_SERVICE_UNIT` → "pve-health-serve.service":
 * the module's naming convention for the texts the .deb ships.
 */
export function unitNameFromExport(exportName: string): string | undefined {
  const m = /^([A-Z0-9_]+)_(SERVICE|TIMER|SOCKET|PATH)_UNIT$/.exec(exportName);
  return m ? `${m[1].toLowerCase().replace(/_/g, '-')}.${m[2].toLowerCase()}` : undefined;
}

/** The shipped units from the module's exports: `<NAME>_<TYPE>_UNIT` strings, or lists/records of units. */
export function unitsFromModule(mod: Record<string, unknown>): UnitFile[] {
  const byName = new Map<string, UnitFile>();
  for (const [key, value] of Object.entries(mod)) {
    const name = unitNameFromExport(key);
    const found = name && typeof value === 'string' ? [{ name, text: value }] : unitsFromValue(value);
    for (const u of found) if (UNIT_NAME.test(u.name) && /^\[Unit\]/m.test(u.text)) byName.set(u.name, u);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Load the units, or none (with the reason) while the module does not exist yet. A package whose program
 * starts a unit differently (pve-health-nodejs: node with the service's V8 options before the script) takes
 * the module's `unitsOfProgram(program)` where it has one.
 */
export async function loadSystemdUnits(
  repo: string,
  program?: 'executable' | 'nodejs',
): Promise<{ units: UnitFile[]; missing?: string }> {
  const file = join(repo, UNITS_MODULE);
  if (!existsSync(file)) return { units: [], missing: `${UNITS_MODULE} does not exist yet` };
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const perProgram = program && typeof mod.unitsOfProgram === 'function' ? mod.unitsOfProgram(program) : undefined;
  const units = perProgram
    ? unitsFromValue(perProgram).sort((a, b) => a.name.localeCompare(b.name))
    : unitsFromModule(mod);
  if (units.length === 0) return { units, missing: `${UNITS_MODULE} exports no unit texts (<NAME>_<TYPE>_UNIT)` };
  return { units };
}
