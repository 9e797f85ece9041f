// What a container config declares about its mounts: the host paths it binds in, the mount points
// meant to be read-only, and its name (for the mounts table). One pass over the config's current section (pve-container's keys):
//
// mp0: /mnt/pve/nfs-share/data,mp=/data,ro=1
// lxc.mount.entry: /mnt/pve/iso mnt/iso none bind,ro,create=dir 0 0
// hostname: dns1
//
// A path mount point is a plain bind mount (no storage is activated); a volume id (storage:vol) is
// mounted by pve-container itself, and /dev/... is a device, not a bind. Pure.
import { parseConfigSections } from '../parse/guest-config';
import { hasOption } from '../parse/mountinfo';
import { parsePropertyString } from '../parse/property-string';
import { trimSlash } from './mount-paths';

export interface CtBind {
  ctid: number;
  /** Host path bound into the container (as configured). */
  source: string;
  /** Mount point inside the container. */
  target: string;
}

export interface ContainerMounts {
  /** Path bind mounts: `mpN: /host/path,mp=/x` and `lxc.mount.entry ... bind`. */
  binds: CtBind[];
  /** Mount points declared read-only: `mpN: ...,mp=/x,ro=1` and `lxc.mount.entry` with `ro`. */
  readonlyTargets: string[];
  /** `hostname:` (the container's name in PVE's GUI and `pct list`); null when the config sets none. */
  hostname: string | null;
}

export function parseContainerMounts(ctid: number, configText: string): ContainerMounts {
  const binds: CtBind[] = [];
  const readonlyTargets: string[] = [];
  let hostname: string | null = null;
  const { sections } = parseConfigSections(configText, 'lxc');
  for (const [key, value] of sections[0]?.entries ?? []) {
    if (key === 'hostname') hostname = value.trim() || null;
    else if (/^mp\d+$/.test(key)) {
      const p = parsePropertyString(value, 'volume');
      if (!p.mp) continue;
      if (p.volume?.startsWith('/') && !p.volume.startsWith('/dev/'))
        binds.push({ ctid, source: trimSlash(p.volume), target: trimSlash(p.mp) });
      if (p.ro === '1') readonlyTargets.push(trimSlash(p.mp));
    } else if (key === 'lxc.mount.entry') {
      const f = value.trim().split(/\s+/);
      if (f.length < 4) continue;
      const target = trimSlash(`/${f[1].replace(/^\/+/, '')}`);
      if (f[0].startsWith('/') && !f[0].startsWith('/dev/') && /(^|,)r?bind(,|$)/.test(f[3]))
        binds.push({ ctid, source: trimSlash(f[0]), target });
      if (hasOption(f[3], 'ro')) readonlyTargets.push(target);
    }
  }
  return { binds, readonlyTargets, hostname };
}
