// parseBackingFile: every form of a qcow2 backing file name qemu opens, and what each names on this node.
// Each row's neighbour is beside it: a relative name against its overlay's directory, a protocol name that
// names no file, a json: form of each driver and the one that names nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBackingFile } from '../../src/core/volumes/backing-file';

const OVERLAY = '/var/lib/vz/images/101/vm-101-disk-1.qcow2';

const ROWS: [string, string, { paths: string[]; rbd: string[] }][] = [
  ['absolute', '/var/lib/vz/images/199/base.qcow2', { paths: ['/var/lib/vz/images/199/base.qcow2'], rbd: [] }],
  // qemu-img create -b vm-101-disk-0.qcow2 in the overlay's directory: relative to the overlay, not the cwd.
  ['beside', 'vm-101-disk-0.qcow2', { paths: ['/var/lib/vz/images/101/vm-101-disk-0.qcow2'], rbd: [] }],
  [
    'PVE linked clone',
    '../199/base-199-disk-0.qcow2',
    { paths: ['/var/lib/vz/images/101/../199/base-199-disk-0.qcow2'], rbd: [] },
  ],
  ['./ and a subdirectory', './old/x.raw', { paths: ['/var/lib/vz/images/101/./old/x.raw'], rbd: [] }],
  ['file: protocol, absolute', 'file:/srv/base.raw', { paths: ['/srv/base.raw'], rbd: [] }],
  // After a protocol prefix qemu does not combine: from its working directory (`/` under pvedaemon), or beside.
  ['file: protocol, relative', 'file:base.raw', { paths: ['/var/lib/vz/images/101/base.raw', '/base.raw'], rbd: [] }],
  // A `:` after the first `/` is part of a file name (path_has_protocol), not a protocol.
  ['colon in a file name', 'sub/a:b.qcow2', { paths: ['/var/lib/vz/images/101/sub/a:b.qcow2'], rbd: [] }],
  ['colon in an absolute name', '/srv/a:b.qcow2', { paths: ['/srv/a:b.qcow2'], rbd: [] }],
  ['another protocol', 'nbd:unix:/run/nbd.sock', { paths: [], rbd: [] }],
  ['a URL', 'https://mirror.example/base.qcow2', { paths: [], rbd: [] }],
  [
    'rbd: protocol',
    'rbd:vm-pool/vm-199-disk-0:conf=/etc/pve/ceph.conf',
    { paths: [], rbd: ['rbd:vm-pool/vm-199-disk-0'] },
  ],
  [
    'krbd link',
    '/dev/rbd/vm-pool/vm-199-disk-0',
    { paths: ['/dev/rbd/vm-pool/vm-199-disk-0'], rbd: ['rbd:vm-pool/vm-199-disk-0'] },
  ],
  [
    'json: file driver, nested',
    'json:{"driver":"qcow2","file":{"driver":"file","filename":"/var/lib/vz/images/199/base.qcow2"}}',
    { paths: ['/var/lib/vz/images/199/base.qcow2'], rbd: [] },
  ],
  // The driver's options at the top, not under `file`: `{"driver":"file","filename":…}`, an rbd image.
  ['json: the file driver at the top', 'json:{"driver":"file","filename":"/x.raw"}', { paths: ['/x.raw'], rbd: [] }],
  ['json: rbd at the top', 'json:{"driver":"rbd","pool":"p","image":"i"}', { paths: [], rbd: ['rbd:p/i'] }],
  [
    'json: dotted keys, relative filename',
    'json:{"driver":"raw","file.driver":"file","file.filename":"base.raw"}',
    { paths: ['/var/lib/vz/images/101/base.raw', '/base.raw'], rbd: [] },
  ],
  [
    'json: host_device',
    'json:{"driver":"raw","file":{"driver":"host_device","filename":"/dev/pve/vm-199-disk-0"}}',
    { paths: ['/dev/pve/vm-199-disk-0'], rbd: [] },
  ],
  [
    'json: rbd with namespace and snapshot',
    'json:{"driver":"raw","file":{"driver":"rbd","pool":"vm-pool","namespace":"ns1","image":"vm-199-disk-0","snapshot":"s1"}}',
    { paths: [], rbd: ['rbd:vm-pool/ns1/vm-199-disk-0', 'rbd:vm-pool/ns1/vm-199-disk-0@s1'] },
  ],
  [
    'json: rbd, dotted, no snapshot',
    'json:{"file.driver":"rbd","file.pool":"p","file.image":"i"}',
    { paths: [], rbd: ['rbd:p/i'] },
  ],
  [
    'json: rbd image without a pool names nothing',
    'json:{"file":{"driver":"rbd","image":"i"}}',
    { paths: [], rbd: [] },
  ],
  [
    'json: a quorum of children (a list)',
    'json:{"driver":"quorum","children":[{"driver":"file","filename":"/a.raw"},{"driver":"file","filename":"/b.raw"}]}',
    { paths: ['/a.raw', '/b.raw'], rbd: [] },
  ],
  [
    'json: a legacy rbd: filename',
    'json:{"driver":"raw","file":{"filename":"rbd:p/img@snap"}}',
    { paths: [], rbd: ['rbd:p/img', 'rbd:p/img@snap'] },
  ],
  [
    'json: an empty namespace and snapshot are none',
    'json:{"file":{"driver":"rbd","pool":"p","namespace":"","image":"i","snapshot":""}}',
    { paths: [], rbd: ['rbd:p/i'] },
  ],
  // Options of the wrong type: qemu refuses them; the image is still held (never less than named).
  [
    'json: a namespace or snapshot that is no string is left out',
    'json:{"file":{"driver":"rbd","pool":"p","namespace":1,"image":"i","snapshot":2}}',
    { paths: [], rbd: ['rbd:p/i'] },
  ],
  [
    'json: the same image twice is named once',
    'json:{"a":{"pool":"p","image":"i"},"b":{"file":{"filename":"rbd:p/i"}}}',
    { paths: [], rbd: ['rbd:p/i'] },
  ],
  [
    'json: a null option',
    'json:{"driver":"raw","file":null,"backing":{"filename":"/x.raw"}}',
    { paths: ['/x.raw'], rbd: [] },
  ],
  ['json: null', 'json:null', { paths: [], rbd: [] }],
  ['json: a bare string', 'json:"/x.raw"', { paths: [], rbd: [] }],
  ['json: not JSON (qemu cannot open it either)', 'json:{"driver":', { paths: [], rbd: [] }],
  // On Linux only `:` and `/` decide (path_has_protocol): a backslash is a character of the protocol name.
  ['a backslash before the colon', 'a\\b:c.qcow2', { paths: [], rbd: [] }],
  ['json: a filename that is not a string', 'json:{"file":{"filename":7}}', { paths: [], rbd: [] }],
  ['empty file:', 'file:', { paths: [], rbd: [] }],
];

for (const [what, backing, want] of ROWS)
  test(`parseBackingFile: ${what}`, () => assert.deepEqual(parseBackingFile(backing, OVERLAY), want));

test('parseBackingFile: the same file twice is named once', () => {
  const both = 'json:{"a":{"filename":"/x.raw"},"b":{"filename":"/x.raw"}}';
  assert.deepEqual(parseBackingFile(both, OVERLAY), { paths: ['/x.raw'], rbd: [] });
});
