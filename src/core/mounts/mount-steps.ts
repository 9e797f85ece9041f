// The next steps of a mount finding, as every output form prints them (core/vocab/next-step.ts): the words,
// then the command alone on its line, built through shellQuote — the same steps in `check --json`'s
// mount entries, the text, -q, the dashboard, mail, Nagios and Checkmk. How PVE gets a storage mounted
// again: pve-storage's NFSPlugin/CIFSPlugin activate_storage mounts the export when the storage is
// activated and its path is not a mount point, and `pvesm status` activates every enabled storage of the
// node (PVE::API2::Storage::Status index → storage_info → activate_storage_list); a dir storage with
// is_mountpoint is never mounted by PVE (DirPlugin activate_storage only checks), so the admin mounts it.
// A local filesystem the kernel made read-only (ext4's errors=remount-ro, xfs's shutdown) is never
// remounted read-write: whatever wrote it wrong (often a second writer of the same disk) is stopped and
// the filesystem checked first — `pct fsck` (pve-container's API2::LXC fsck: the container stopped, one
// volume by its `--device` key, rootfs by default). Pure.
import { type NextStep, otherStep } from '../vocab/next-step';
import type { MountEntry } from '../vocab/types';

const NETWORK = /^(nfs4?|cifs|smb3|ceph|fuse\.glusterfs|9p|virtiofs)$/;

/** Is it served over the network (the classifier's word when it gave one, else by filesystem type)? */
function isNetwork(m: MountEntry): boolean {
  return typeof m.network === 'boolean' ? m.network : NETWORK.test(m.fstype);
}

/** "10.0.0.20" and "/export/pve-backup" of "10.0.0.20:/export/pve-backup"; "fs01" and "iso" of "//fs01/iso". */
function serverOf(source: string): { server: string; share: string } | null {
  const cifs = /^\/\/([^/]+)\/(.*)$/.exec(source);
  if (cifs) return { server: cifs[1], share: cifs[2] };
  const nfs = /^(\[[^\]]+\]|[^:/]+):(\/.*)$/.exec(source);
  return nfs ? { server: nfs[1].replace(/^\[|\]$/g, ''), share: nfs[2] } : null;
}

/** In a container, a command runs there through `pct exec`. */
function inside(m: MountEntry, argv: string[]): string[] {
  return m.scope === 'ct' && m.ctid !== null ? ['pct', 'exec', String(m.ctid), '--', ...argv] : argv;
}

/** A host mount of a PVE NFS/CIFS storage: PVE's activation mounts it again. */
function pveMounts(m: MountEntry): boolean {
  return m.scope === 'host' && Boolean(m.storage) && isNetwork(m);
}

/** What brings the mount back: PVE's activation for its NFS/CIFS storage, else mounting it as configured. */
function remount(m: MountEntry): NextStep {
  return pveMounts(m)
    ? otherStep(`let PVE mount storage ${m.storage} again`, ['pvesm', 'status', '--storage', m.storage as string])
    : otherStep('mount it again as configured', inside(m, ['mount', m.target]));
}

function staleSteps(m: MountEntry): NextStep[] {
  const at = serverOf(m.source);
  const what = at ? `the server ${at.server} (export ${at.share})` : `the source ${m.source}`;
  const check = at
    ? m.fstype.startsWith('nfs')
      ? ['showmount', '-e', at.server]
      : ['ping', '-c', '3', at.server]
    : null;
  return [
    otherStep(`check ${what} and the network to it first`, check),
    otherStep(
      'then detach the hung mount (umount -l: processes stuck in it stay stuck until the server answers)',
      inside(m, ['umount', '-l', m.target]),
    ),
    remount(m),
  ];
}

function missingSteps(m: MountEntry): NextStep[] {
  if (m.reason === 'bind-outdated' && m.ctid !== null)
    return [
      otherStep(
        `CT ${m.ctid} bound the directory before the host mounted the storage: restart the container so it binds the mount`,
        ['pct', 'reboot', String(m.ctid)],
      ),
    ];
  if (pveMounts(m))
    return [
      otherStep(
        `PVE mounts storage ${m.storage} when it activates it (if that fails, check the server and the storage's settings)`,
        ['pvesm', 'status', '--storage', m.storage as string],
      ),
    ];
  return [
    otherStep(
      `check the disk or server first, then mount ${m.target} again as configured (fstab or a systemd mount unit)`,
      inside(m, ['mount', m.target]),
    ),
  ];
}

/**
 * A removed storage's mount (`pvesm remove` unmounts nothing): before unmounting, see that nothing uses
 * it — no process (fuser), no guest config or container bind mount naming the path; if the storage was
 * removed by mistake, add it back instead.
 */
function leftoverSteps(m: MountEntry): NextStep[] {
  return [
    otherStep(`see that no process uses ${m.target}`, ['fuser', '-vm', m.target]),
    otherStep('and that no guest config (a bind mount, a disk by path) names it', [
      'grep',
      '-rlF',
      '--',
      m.target,
      '/etc/pve/nodes',
    ]),
    otherStep(
      `then unmount it (if storage ${m.storage ?? ''} was removed by mistake, add it back with pvesm add instead)`,
      ['umount', m.target],
    ),
  ];
}

/** Read-only over the network: the server's export options or the client's error; remounting read-write is safe to try. */
function networkReadonlySteps(m: MountEntry): NextStep[] {
  return [
    otherStep(
      `find why ${m.target} is read-only (the server's export options, or an error in the kernel log)`,
      inside(m, ['findmnt', '-o', 'TARGET,SOURCE,OPTIONS', m.target]),
    ),
    otherStep('', ['dmesg', '--level=err,warn']),
    otherStep('then remount it read-write', inside(m, ['mount', '-o', 'remount,rw', m.target])),
  ];
}

/**
 * A local filesystem the kernel made read-only: it found an error (often two writers of one disk, which
 * a duplicate map of that disk shows). Remounting it read-write would let the damage grow: stop the
 * writers, then check the filesystem.
 */
function localReadonlySteps(m: MountEntry): NextStep[] {
  const log = otherStep(`read why the kernel made ${m.target} read-only`, ['dmesg', '--level=err,warn']);
  const twice = otherStep(
    'if another map or node writes the same disk (a duplicate map of it in this report, or the guest running twice), resolve that first',
  );
  if (m.scope === 'ct' && m.ctid !== null) {
    const ct = String(m.ctid);
    return [
      log,
      otherStep(`stop CT ${ct} so nothing writes the disk`, ['pct', 'stop', ct]),
      twice,
      otherStep(`find the key of the volume mounted at ${m.target} (rootfs or mpN)`, ['pct', 'config', ct]),
      otherStep(
        `check its filesystem: pct fsck ${ct} --device <that key> (rootfs without --device), then start CT ${ct} again`,
      ),
    ];
  }
  return [
    log,
    otherStep(`stop the guests and services that use ${m.target}`),
    twice,
    otherStep('unmount it', ['umount', m.target]),
    otherStep('check its filesystem without changing it; repair only with a backup at hand', ['fsck', '-n', m.source]),
  ];
}

/** The next steps of a mount finding of any status (none for an ok mount). */
export function mountSteps(m: MountEntry): NextStep[] {
  switch (m.status) {
    case 'ok':
      return [];
    case 'stale':
      return staleSteps(m);
    case 'missing':
      return missingSteps(m);
    case 'readonly':
      return isNetwork(m) ? networkReadonlySteps(m) : localReadonlySteps(m);
    case 'leftover':
      return leftoverSteps(m);
    case 'full':
      return [
        otherStep(
          `free space on ${m.target}: old backups (prune them in PVE), ISO images, or whatever grows there`,
          inside(m, ['df', '-h', m.target]),
        ),
        otherStep('', inside(m, ['du', '-xh', '--max-depth=1', m.target])),
      ];
    default:
      if (m.reason === 'not-found-in-ct' && m.ctid !== null)
        return [
          otherStep(
            `CT ${m.ctid} runs but ${m.target} was not found in it: see whether the container still has the mount, then run the check again`,
            ['pct', 'status', String(m.ctid)],
          ),
          otherStep('', inside(m, ['findmnt', m.target])),
        ];
      return [otherStep(`could not check ${m.target}: ${m.error ?? 'see the detail'}`)];
  }
}
