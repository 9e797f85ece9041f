// pmxcfs's own files and the guest configs, believed only when nothing on the node contradicts them
// (never fail open). pmxcfs serves `.vmlist`, `.members` and `.version` together whenever /etc/pve is
// mounted (pve-cluster pmxcfs.c: cfs_plug_func_new for each, next to the database's files); so when any
// of its files is there and one of these is missing or unparseable, it is a read that failed, not a
// node without guests or members.
// - `.vmlist` is built from the config files themselves (pve-cluster memdb.c vmlist_register_vm on every
//   nodes/<node>/{qemu-server,lxc}/<vmid>.conf; status.c cfs_create_vmlist_msg always prints "version"):
//   a config whose VMID it lacks means it was read short. Without the guest list, a guest whose config
//   could not be read is unseen, and every "no config names it" verdict is unknown.
// - `.members` names this node and, in a cluster, every node of it (status.c cfs_create_memberlist_msg:
//   "nodes" is the size of "nodelist", which holds this node): without it, which guests and storages
//   are this node's is not known, so the DM and volumes parts are UNKNOWN.
import type { Members, VmlistEntry } from '../parse/pmxcfs';
import type { HostSnapshot } from '../vocab/snapshot';
import type { GuestRecord } from './guest-record';

const PMXCFS_FILES = ['/etc/pve/.version', '/etc/pve/.members', '/etc/pve/.vmlist', '/etc/pve/storage.cfg'];

/**
 * pmxcfs evidently serves /etc/pve: one of its files is there, or a guest config. (The file being judged
 * counts too: a .vmlist or .members that was read but does not parse is pmxcfs's file read wrong, even
 * when the node's other files could not be read.)
 */
function pmxcfsServes(files: Record<string, string>): boolean {
  if (PMXCFS_FILES.some((p) => files[p] !== undefined)) return true;
  for (const p in files) if (p.startsWith('/etc/pve/nodes/')) return true;
  return false;
}

function listed(items: string[], max = 3): string {
  return `${items.slice(0, max).join(', ')}${items.length > max ? `, … ${items.length - max} more` : ''}`;
}

/** Why .vmlist (text, parsed or its parse error) cannot be believed as the cluster's guest list, or null. */
export function vmlistGap(
  files: Record<string, string>,
  parsed: { entries: VmlistEntry[] | null; error: string | null },
  configs: Iterable<GuestRecord>,
): string | null {
  const text = files['/etc/pve/.vmlist'];
  if (!pmxcfsServes(files)) return null;
  if (text === undefined) return `/etc/pve/.vmlist is missing or unreadable: the cluster's guest list is not known`;
  // (The callers parse with a try: an error comes with no entries.)
  if (!parsed.entries || !/"version"\s*:\s*\d+/.test(text))
    return `/etc/pve/.vmlist cannot be parsed (${parsed.error ?? 'no version'}): the cluster's guest list is not known`;
  const ids = new Set(parsed.entries.map((e) => e.vmid));
  const lacking = [...configs].filter((g) => !ids.has(g.vmid)).map((g) => `${g.vmid} (${g.node})`);
  if (lacking.length)
    return `/etc/pve/.vmlist lacks guests whose configs exist (${listed(lacking)}): the cluster's guest list was read short`;
  return null;
}

/**
 * Why the node's name is not one fact: .members `nodename` (pmxcfs: what this node is in the cluster),
 * /etc/hostname (PVE::INotify::nodename is the short hostname, and pmxcfs names the node after it) and
 * the /etc/pve/local link (pmxcfs.c: nodes/<local node>) must agree; where they do not, which guests and
 * storages are this node's is not known. Sources that are absent say nothing.
 */
export function nodeNameDisagreement(
  files: Record<string, string>,
  o: { nodename: string | null; pveLocal?: string },
): string | null {
  const said: [string, string][] = [];
  if (o.nodename) said.push(['/etc/pve/.members', o.nodename]);
  const host = files['/etc/hostname']?.trim().split('.')[0];
  if (host) said.push(['/etc/hostname', host]);
  const local = o.pveLocal ? /^(?:\/etc\/pve\/)?nodes\/([^/]+)\/?$/.exec(o.pveLocal) : null;
  if (o.pveLocal) said.push(['/etc/pve/local', local ? local[1] : o.pveLocal]);
  if (new Set(said.map(([, n]) => n)).size <= 1) return null;
  return `this node's name is not one fact: ${said.map(([src, n]) => `${src} says ${n}`).join(', ')}; which guests and storages are this node's is not known`;
}

/** Why .members cannot be believed as this node's name and its cluster, or null. */
export function membersGap(
  files: Record<string, string>,
  parsed: { members: Members | null; error: string | null },
  pveLocal?: string,
): string | null {
  const names = nodeNameDisagreement(files, { nodename: parsed.members?.nodename ?? null, pveLocal });
  if (names) return names;
  if (!pmxcfsServes(files)) return null;
  if (files['/etc/pve/.members'] === undefined)
    return `/etc/pve/.members is missing or unreadable: this node's name and cluster are not known`;
  const m = parsed.members;
  if (!m)
    return `/etc/pve/.members cannot be parsed (${parsed.error ?? 'unreadable'}): this node's name and cluster are not known`;
  if (m.cluster && (m.nodes.length !== m.cluster.nodes || !m.nodes.some((n) => n.name === m.nodename)))
    return `/etc/pve/.members is incomplete (cluster of ${m.cluster.nodes} nodes, nodelist ${listed(m.nodes.map((n) => n.name))}, this node ${m.nodename}): this node's name and cluster are not known`;
  return null;
}

/**
 * Why a "no config names it" verdict about a volume cannot be believed: the guest list is not known,
 * or the config of a guest that could name it (any guest for shared storage, this node's for local)
 * could not be read. One sentence per scope, computed once per node.
 */
export function unseenConfigs(
  guestListGap: string | null,
  guests: Iterable<GuestRecord>,
  node: string,
): { shared: string | null; local: string | null } {
  if (guestListGap) return { shared: guestListGap, local: guestListGap };
  const blind = [...guests].filter((g) => !g.config);
  const say = (gs: GuestRecord[]) =>
    gs.length === 0
      ? null
      : `the config of ${listed(gs.map((g) => `guest ${g.vmid} on ${g.node}`))} could not be read (${gs[0].configError ?? 'unreadable'}): it may name this volume`;
  return { shared: say(blind), local: say(blind.filter((g) => g.node === node)) };
}

/**
 * A config directory pmxcfs has but that could not be listed (`nodes/<node>/qemu-server`, or `nodes`
 * itself) hides every config in it: "no config names it" is unknown for shared storage, and for local
 * storage when it is this node's (or all nodes').
 */
export function unlistedDirs(
  u: { shared: string | null; local: string | null },
  snap: HostSnapshot,
  node: string,
): { shared: string | null; local: string | null } {
  const dirs = Object.keys(snap.unreadable ?? {}).filter((p) =>
    /^\/etc\/pve\/nodes(?:\/[^/]+\/(?:qemu-server|lxc))?$/.test(p),
  );
  if (dirs.length === 0) return u;
  const say = (ds: string[]) =>
    ds.length
      ? `${ds.map((d) => `${d} could not be listed (${snap.unreadable?.[d]})`).join(', ')}: a config in it may name this volume`
      : null;
  const local = say(dirs.filter((d) => d === '/etc/pve/nodes' || d.startsWith(`/etc/pve/nodes/${node}/`)));
  const join = (a: string | null, b: string | null) => (a && b ? `${a}; ${b}` : (a ?? b));
  return { shared: join(u.shared, say(dirs)), local: join(u.local, local) };
}

/** "No config names it" cannot be believed either while the running tasks are not known: a restore or clone writes volumes before any config names them. */
export function withTasks(
  u: { shared: string | null; local: string | null },
  tasksUnread: string | null,
): { shared: string | null; local: string | null } {
  if (!tasksUnread) return u;
  const why = `${tasksUnread}: a restore or clone in progress may be writing it`;
  return { shared: u.shared ? `${u.shared}; ${why}` : why, local: u.local ? `${u.local}; ${why}` : why };
}
