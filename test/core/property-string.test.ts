// PVE property strings (PVE::JSONSchema parse_property_string): `local-lvm:vm-100-disk-0,iothread=1,size=32G`.
// propertiesOf reads the parts in place; what it returns must be what parsePropertyString's map holds for
// each key asked, for every class of value a config can carry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePropertyString, propertiesOf } from '../../src/core/parse/property-string';

test('parsePropertyString: the default key, key=value parts, empty parts skipped', () => {
  assert.deepEqual(parsePropertyString('local-lvm:vm-100-disk-0,iothread=1,size=32G', 'file'), {
    file: 'local-lvm:vm-100-disk-0',
    iothread: '1',
    size: '32G',
  });
  assert.deepEqual(parsePropertyString(',,a,,b=c,', 'file'), { file: 'a', b: 'c' });
  assert.deepEqual(parsePropertyString('', 'file'), {});
});

test('propertiesOf equals parsePropertyString for the keys asked, value class by value class', () => {
  const values = [
    '',
    ',',
    ',,,',
    'local-lvm:vm-100-disk-0',
    'local-lvm:vm-100-disk-0,iothread=1,size=32G',
    'file=local:iso/x.iso,media=cdrom',
    'local:iso/x.iso,media=cdrom,file=other:vm-1-disk-0',
    'none,media=cdrom',
    'a,b,c',
    ',a',
    'a,',
    '=x,file=y',
    'files=x,fil=y,file=',
    'file==x',
    'volume=local-lvm:vm-100-disk-1,mp=/mnt/x,backup=1',
    'local-lvm:vm-100-disk-1,media=disk,media=cdrom',
    'a=b=c,volume=v=w',
    'mediax=1,xmedia=2,media',
    'path=/dev/sdb,mode=0660',
    '/dev/sdb',
  ];
  const keySets: [string, string[]][] = [
    ['file', ['file', 'volume', 'media']],
    ['volume', ['volume']],
    ['path', ['path']],
    ['file', ['media']],
    ['nokey', ['file', 'media']],
  ];
  for (const v of values)
    for (const [def, keys] of keySets) {
      const map = parsePropertyString(v, def);
      assert.deepEqual(
        propertiesOf(v, def, keys),
        keys.map((k) => map[k]),
        `${JSON.stringify(v)} ${def} ${keys.join(',')}`,
      );
    }
});
