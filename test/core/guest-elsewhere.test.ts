// An unreferenced volume on shared storage of a guest whose home is another node (issue 59): that node
// may run the guest with a disk move under way (`qm disk move` names its target in the config only when
// the mirror ends), and this node reads neither its processes nor its tasks — held (`guest-elsewhere`),
// the command that settles it in the detail, no hint. Beside it: the same guest on this node and stopped
// (a leftover), a guest gone (a leftover), a copy on local storage of a guest elsewhere (judged as before).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify, entry, STORAGE_CFG } from '../helpers/volume-node';

const img = (image: string) => ({ image, id: `id${image}`, size: 1073741824, format: 2 });
const conf = (node: string, vmid: number, text: string) => ({
  [`/etc/pve/nodes/${node}/qemu-server/${vmid}.conf`]: text,
});

function look(home: string | null) {
  const files = home ? conf(home, 300, 'scsi0: ceph-vm:vm-300-disk-0,size=8G\n') : {};
  return classify({
    files,
    rbd: JSON.stringify([img('vm-300-disk-0'), img('vm-300-disk-1')]),
    rbdStatus: { 'vm-300-disk-0': '{"watchers":[]}', 'vm-300-disk-1': '{"watchers":[]}' },
    zfs: [`rpool/data/vm-300-disk-1\tvolume\t8589934592\t57344\t57344\t-\t-\t-`],
  });
}

test('shared storage (RBD), guest 300 lives on pve2: its unreferenced image is held with the step that settles it', () => {
  const e = entry(look('pve2'), 'ceph-vm:vm-300-disk-1');
  assert.deepEqual(
    [e.status, e.reason, e.protected, e.protectedBy, e.hint],
    ['orphan', 'not-referenced', true, ['guest-elsewhere'], undefined],
  );
  assert.match(
    e.detail,
    /; VM 300 lives on pve2, which may be running it with a disk move under way \(its new volume is named in the config only when the move ends\): see its tasks there: pvesh get \/nodes\/pve2\/tasks --vmid 300 --source active(;|$)/,
  );
});

test('neighbours: guest 300 on this node (stopped) or gone: a leftover with its hint; a local copy of a guest elsewhere: not this rule', () => {
  const here = entry(look('pve1'), 'ceph-vm:vm-300-disk-1');
  assert.deepEqual([here.status, here.protectedBy], ['orphan', []]);
  assert.ok(here.hint, 'a stopped guest here: its leftover keeps its hint');
  const gone = entry(look(null), 'ceph-vm:vm-300-disk-1');
  assert.deepEqual([gone.status, gone.reason, gone.protectedBy], ['orphan', 'guest-missing', []]);
  const local = entry(look('pve2'), 'local-zfs:vm-300-disk-1');
  assert.deepEqual([local.reason, local.protectedBy.includes('guest-elsewhere')], ['guest-on-other-node', false]);
  // The image its config names is valid, not held by this rule.
  assert.deepEqual(entry(look('pve2'), 'ceph-vm:vm-300-disk-0').status, 'valid');
});

test('a container of another node: its unreferenced image is held the same way, named a CT', () => {
  const e = entry(
    classify({
      files: {
        // A container's volumes need `rootdir` on the storage (pve-container's create checks the content).
        '/etc/pve/storage.cfg': `${STORAGE_CFG}\nrbd: ceph-vm\n\tpool vm-pool\n\tcontent images,rootdir\n\tkrbd 1\n`,
        '/etc/pve/nodes/pve2/lxc/301.conf': 'rootfs: ceph-vm:vm-301-disk-0,size=8G\n',
      },
      rbd: JSON.stringify([img('vm-301-disk-0'), img('vm-301-disk-1')]),
      rbdStatus: { 'vm-301-disk-1': '{"watchers":[]}' },
    }),
    'ceph-vm:vm-301-disk-1',
  );
  assert.deepEqual([e.status, e.protectedBy], ['orphan', ['guest-elsewhere']]);
  assert.match(e.detail, /; CT 301 lives on pve2, which may be running it/);
});
