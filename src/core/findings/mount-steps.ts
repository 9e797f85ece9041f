// The next step for a mount finding: what to check (the server and export of a stale NFS/CIFS mount,
// why a mount is read-only, what fills it) as a hint, and the commands as copyable lines — each built
// through shellQuote, each on its own line — in every output form. How PVE gets a storage mounted again:
// pve-storage's NFSPlugin/CIFSPlugin activate_storage mounts the export when the storage is activated
// and its path is not a mount point, and `pvesm status` activates every enabled storage of the node
// (PVE::API2::Storage::Status index → storage_info → activate_storage_list); a dir storage with
// is_mountpoint is never mounted by PVE (DirPlugin activate_storage only checks), so the admin mounts it. Pure.
import { shellQuote } from '../shell-quote';
import type { MountEntry } from '../types';

export interface MountStep {
  /** Commands, one per line, each shell-quoted. */
  fix: string | null;
  hint: string;
}

const NETWORK = /^(nfs4?|cifs|smb3|ceph|fuse\.glusterfs)$/;

/** "10.0.0.20" and "/export/pve-backup" of "10.0.0.20:/export/pve-backup"; "fs01" and "iso" of "//fs01/iso". */
function serverOf(source: string): { server: string; share: string } | null {
  const cifs = /^\/\/([^/]+)\/(.*)$/.exec(source);
  if (cifs) return { server: cifs[1], share: cifs[2] };
  const nfs = /^(\[[^\]]+\]|[^:/]+):(\/.*)$/.exec(source);
  return nfs ? { server: nfs[1].replace(/^\[|\]$/g, ''), share: nfs[2] } : null;
}

const lines = (...argvs: string[][]) => argvs.map((a) => shellQuote(a)).join('\n');

/** In a container, a command runs there through `pct exec`. */
function inside(m: MountEntry, argv: string[]): string[] {
  return m.scope === 'ct' && m.ctid !== null ? ['pct', 'exec', String(m.ctid), '--', ...argv] : argv;
}

/** What brings the mount back: PVE's activation for its NFS/CIFS storage, else mounting it as configured. */
function remount(m: MountEntry): string[] {
  if (m.scope === 'host' && m.storage && NETWORK.test(m.fstype)) return ['pvesm', 'status', '--storage', m.storage];
  return inside(m, ['mount', m.target]);
}

function staleStep(m: MountEntry): MountStep {
  const at = serverOf(m.source);
  const what = at ? `the server ${at.server} (export ${at.share})` : `the source ${m.source}`;
  const check = at
    ? m.fstype.startsWith('nfs')
      ? ['showmount', '-e', at.server]
      : ['ping', '-c', '3', at.server]
    : null;
  return {
    hint: `Check ${what} and the network to it first; then detach the hung mount (umount -l: processes stuck in it stay stuck until the server answers) and ${m.scope === 'host' && m.storage ? `let PVE mount storage ${m.storage} again` : 'mount it again'}.`,
    fix: lines(...(check ? [check] : []), inside(m, ['umount', '-l', m.target]), remount(m)),
  };
}

function missingStep(m: MountEntry): MountStep {
  if (m.reason === 'bind-outdated' && m.ctid !== null)
    return {
      hint: `CT ${m.ctid} bound the directory before the host mounted the storage: restart the container so it binds the mount.`,
      fix: lines(['pct', 'reboot', String(m.ctid)]),
    };
  const pve = m.scope === 'host' && m.storage && NETWORK.test(m.fstype);
  return {
    hint: pve
      ? `PVE mounts storage ${m.storage} when it activates it; if that fails, check the server and the storage's settings.`
      : `Mount ${m.target} again as configured (fstab or a systemd mount unit); check the disk or server first.`,
    fix: lines(m.scope === 'host' && m.storage && NETWORK.test(m.fstype) ? remount(m) : inside(m, ['mount', m.target])),
  };
}

/** The next step for a mount finding of any status. */
export function mountStep(m: MountEntry): MountStep {
  switch (m.status) {
    case 'stale':
      return staleStep(m);
    case 'missing':
      return missingStep(m);
    case 'readonly':
      return {
        hint: `Find why ${m.target} is read-only: the server's export options, or a filesystem error in the kernel log; then remount it read-write.`,
        fix: lines(
          inside(m, ['findmnt', '-o', 'TARGET,SOURCE,OPTIONS', m.target]),
          ['dmesg', '--level=err,warn'],
          inside(m, ['mount', '-o', 'remount,rw', m.target]),
        ),
      };
    case 'full':
      return {
        hint: `Free space on ${m.target}: old backups (prune them in PVE), ISO images, or whatever grows there.`,
        fix: lines(inside(m, ['df', '-h', m.target]), inside(m, ['du', '-xh', '--max-depth=1', m.target])),
      };
    default:
      if (m.reason === 'not-found-in-ct' && m.ctid !== null)
        return {
          hint: `CT ${m.ctid} runs but ${m.target} was not found in it: see whether the container still has the mount, then run the check again.`,
          fix: lines(['pct', 'status', String(m.ctid)], inside(m, ['findmnt', m.target])),
        };
      return { hint: `Could not check ${m.target}: ${m.error ?? 'see the detail'}.`, fix: null };
  }
}
