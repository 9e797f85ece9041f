// What pmxcfs serves as /etc/pve/.vmlist for a set of node files: every guest config's VMID, node and
// type (pve-cluster memdb.c registers each nodes/<node>/{qemu-server,lxc}/<vmid>.conf; status.c
// cfs_create_vmlist_msg prints it). Test nodes get it like a real node, unless a test gives its own.
export function vmlistOf(files: Record<string, string>): string {
  const ids: string[] = [];
  for (const path of Object.keys(files)) {
    const m = /^\/etc\/pve\/nodes\/([^/]+)\/(qemu-server|lxc)\/(\d+)\.conf$/.exec(path);
    if (m) ids.push(`"${m[3]}": { "node": "${m[1]}", "type": "${m[2] === 'lxc' ? 'lxc' : 'qemu'}", "version": 1 }`);
  }
  return ids.length ? `{\n"version": 1,\n"ids": {\n${ids.join(',\n')}}\n\n}\n` : '{\n"version": 1\n\n}\n';
}

/** The files with the .vmlist pmxcfs would serve beside them (a given one is kept). */
export function withVmlist(files: Record<string, string>): Record<string, string> {
  return '/etc/pve/.vmlist' in files ? files : { ...files, '/etc/pve/.vmlist': vmlistOf(files) };
}
