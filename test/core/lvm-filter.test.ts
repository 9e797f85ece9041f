// lvm.conf as far as it decides whether the host's LVM scans guest disks (src/core/storage/lvm-filter.ts):
// the settings read, lvm2's regex filter semantics (lib/filters/filter-regex.c), and the global_filter
// line advised to keep guest disks out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNode } from '../../src/core/node/node-view';
import { buildStorageContext } from '../../src/core/storage/classify-storage';
import { filterAccepts, filterRejects, lvmFilterAdvice, parseLvmConf } from '../../src/core/storage/lvm-filter';
import { emptyDm, snapshot } from '../helpers/storage-snapshot';

test('lvm.conf: the settings read, comments and look-alike keys not', () => {
  const cases: { name: string; conf: string; want: ReturnType<typeof parseLvmConf> }[] = [
    {
      name: 'scan_lvs = 1',
      conf: 'devices {\n scan_lvs = 1\n}\n',
      want: { scanLvs: true, globalFilter: null, filter: null },
    },
    {
      name: 'scan_lvs = 0',
      conf: 'devices {\n scan_lvs=0\n}\n',
      want: { scanLvs: false, globalFilter: null, filter: null },
    },
    // Any value but 0 turns scanning on (lvm2 reads it as a boolean).
    {
      name: 'scan_lvs=1 without blanks',
      conf: 'devices {\nscan_lvs=1\n}\n',
      want: { scanLvs: true, globalFilter: null, filter: null },
    },
    {
      // A pattern commented out inside a list spanning lines is no pattern.
      name: 'a commented-out pattern in a list',
      conf: 'devices {\n global_filter = [ "a|/dev/sda|", # "r|.*|",\n  "r|/dev/zd.*|" ]\n}\n',
      want: { scanLvs: false, globalFilter: ['a|/dev/sda|', 'r|/dev/zd.*|'], filter: null },
    },
    { name: 'scan_lvs = 2', conf: 'scan_lvs = 2\n', want: { scanLvs: true, globalFilter: null, filter: null } },
    {
      name: 'scan_lvs = 1 only in a comment',
      conf: 'devices {\n\t# scan_lvs = 1\n\tscan_lvs = 0 # scan_lvs = 1\n}\n',
      want: { scanLvs: false, globalFilter: null, filter: null },
    },
    {
      // `filter` is its own setting: a global_filter line is not it, nor the other way round.
      name: 'global_filter only',
      conf: 'devices {\n global_filter = [ "r|/dev/zd.*|" ]\n}\n',
      want: { scanLvs: false, globalFilter: ['r|/dev/zd.*|'], filter: null },
    },
    {
      name: 'filter only',
      conf: 'devices {\n\tfilter = [ "a|/dev/sda|", "r|.*|" ]\n}\n',
      want: { scanLvs: false, globalFilter: null, filter: ['a|/dev/sda|', 'r|.*|'] },
    },
    {
      name: 'a commented-out filter',
      conf: 'devices {\n\t# filter = [ "r|.*|" ]\n}\n',
      want: { scanLvs: false, globalFilter: null, filter: null },
    },
    {
      name: 'an empty list',
      conf: 'global_filter = [ ]\n',
      want: { scanLvs: false, globalFilter: [], filter: null },
    },
    {
      // A list cut short (no closing quote): the patterns read before it count, the rest is not invented.
      name: 'an unterminated pattern',
      conf: 'global_filter = [ "r|/dev/zd.*|", "r|/dev/rb',
      want: { scanLvs: false, globalFilter: ['r|/dev/zd.*|'], filter: null },
    },
    {
      // The list ends at its `]`: a quoted string after it belongs to no setting.
      name: 'text after the list',
      conf: 'global_filter = [ "r|/dev/zd.*|" ]\nfoo = "r|.*|"\n',
      want: { scanLvs: false, globalFilter: ['r|/dev/zd.*|'], filter: null },
    },
  ];
  for (const c of cases) assert.deepEqual(parseLvmConf(c.conf), c.want, c.name);
});

test('lvm2 filter semantics: which patterns count, and the first match per name', () => {
  const names = ['/dev/mapper/pve-vm--100--disk--0', '/dev/pve/vm-100-disk-0'];
  const cases: { name: string; patterns: string[]; accepts: boolean }[] = [
    { name: 'a reject of the map name', patterns: ['r|/dev/mapper/pve-vm--.*|'], accepts: false },
    { name: 'a reject of the VG path', patterns: ['r|^/dev/pve/vm-|'], accepts: false },
    { name: 'another delimiter', patterns: ['r#/dev/pve/vm-#'], accepts: false },
    // The first pattern that matches a name decides for that name: an accept before the reject wins.
    { name: 'accept before reject', patterns: ['a|/dev/pve/|', 'r|.*|'], accepts: true },
    { name: 'reject before accept', patterns: ['r|.*|', 'a|/dev/pve/|'], accepts: false },
    // Patterns lvm2 would not take are no rule: neither type letter, too short, no closing delimiter, bad regex.
    { name: 'type letter neither a nor r', patterns: ['x|.*|'], accepts: true },
    { name: 'too short', patterns: ['r|'], accepts: true },
    { name: 'no closing delimiter', patterns: ['r|.*'], accepts: true },
    { name: 'not a regex', patterns: ['r|(|'], accepts: true },
    { name: 'a bad pattern before a good reject', patterns: ['r|(|', 'r|.*|'], accepts: false },
    // filter-regex.c _extract_pattern: `(`, `[`, `{` open a regex their pair closes; the closer is the last character.
    { name: 'parentheses as delimiters', patterns: ['r(/dev/pve/vm-.*)'], accepts: false },
    { name: 'brackets as delimiters', patterns: ['r[^/dev/mapper/]'], accepts: false },
    { name: 'braces as delimiters', patterns: ['r{/dev/pve/}'], accepts: false },
    { name: 'an opening bracket closed by itself is no pattern', patterns: ['r(/dev/pve/('], accepts: true },
    { name: 'text after the closing delimiter', patterns: ['r|/dev/pve/|x'], accepts: true },
    { name: 'an empty regex matches every name', patterns: ['r||'], accepts: false },
  ];
  for (const c of cases) assert.equal(filterAccepts(c.patterns, names), c.accepts, c.name);
  // A name no pattern matches is no reject: another name's accept, or none at all, lets the device in.
  assert.equal(filterAccepts(['r|^/dev/mapper/|'], ['/dev/mapper/x', '/dev/dm-3']), false);
  assert.equal(filterAccepts(['r|^/dev/mapper/|', 'a|^/dev/dm-|'], ['/dev/mapper/x', '/dev/dm-3']), true);
});

test('a guest LV is kept out when either filter rejects any of its names', () => {
  const conf = (s: string) => parseLvmConf(`devices {\n${s}\n}\n`);
  const cases: { name: string; conf: string; rejects: boolean }[] = [
    { name: 'no filter', conf: '', rejects: false },
    { name: 'PVE default global_filter', conf: 'global_filter=["r|/dev/zd.*|","r|/dev/rbd.*|"]', rejects: false },
    { name: 'global_filter by map name', conf: 'global_filter=["r|/dev/mapper/my--vg-vm--.*|"]', rejects: true },
    { name: 'global_filter by VG path', conf: 'global_filter=["r|^/dev/my-vg/vm-|"]', rejects: true },
    {
      name: 'global_filter by dm-name link',
      conf: 'global_filter=["r|/dev/disk/by-id/dm-name-my--vg-vm--|"]',
      rejects: true,
    },
    { name: 'filter alone', conf: 'filter=["r|/dev/mapper/my--vg-vm--.*|"]', rejects: true },
    {
      name: 'global_filter accepts, filter rejects',
      conf: 'global_filter=["a|.*|"]\nfilter=["r|/dev/my-vg/|"]',
      rejects: true,
    },
  ];
  for (const c of cases) assert.equal(filterRejects(conf(c.conf), 'my-vg', 'vm-100-disk-0'), c.rejects, c.name);
});

test('the advised global_filter: one reject per guest-disk prefix of each VG, kept patterns after', () => {
  const storageCfg =
    'lvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\tcontent rootdir,images\n\nlvm: san\n\tvgname my-vg\n\tcontent images\n\nlvm: san-ct\n\tvgname my-vg\n\tcontent rootdir\n';
  const advice = (lvmConf?: string) =>
    lvmFilterAdvice(
      buildStorageContext(
        parseNode(
          snapshot({
            files: {
              '/etc/pve/storage.cfg': storageCfg,
              ...(lvmConf === undefined ? {} : { '/etc/lvm/lvm.conf': lvmConf }),
            },
          }),
        ),
        emptyDm(),
        {},
      ),
    );
  // VGs sorted and named once, their `-` doubled as in /dev/mapper names; PVE's zd/rbd rejects kept.
  const all = [
    '"r|/dev/mapper/my--vg-vm--.*|"',
    '"r|/dev/mapper/my--vg-base--.*|"',
    '"r|/dev/mapper/pve-vm--.*|"',
    '"r|/dev/mapper/pve-base--.*|"',
  ];
  assert.deepEqual(advice(), [
    '# in the devices { } section of /etc/lvm/lvm.conf (keep rejects before any "a|.*|"):',
    `# global_filter = [ ${[...all, '"r|/dev/zd.*|"', '"r|/dev/rbd.*|"'].join(', ')} ]`,
    'update-initramfs -u -k all',
  ]);
  // The node's own global_filter is kept (after the new rejects), and a reject it already has is not repeated.
  const own = 'devices {\n global_filter = [ "r|/dev/mapper/pve-vm--.*|", "a|.*|" ]\n}\n';
  assert.equal(
    advice(own)[1],
    `# global_filter = [ ${[all[0], all[1], all[3], '"r|/dev/mapper/pve-vm--.*|"', '"a|.*|"'].join(', ')} ]`,
  );
  // Every reject in place: nothing to advise.
  const whole = `global_filter = [ ${all.join(', ')} ]\n`;
  assert.deepEqual(advice(whole), []);
});
