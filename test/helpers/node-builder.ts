// Builds a HostSnapshot in a line or two per fact, printing exactly the formats the real tools print
// (dmsetup info -c with our field list, dmsetup table/deps, lvs/vgs JSON): unit tests of the
// classifier describe a node, not parser output.
import { buildDmName } from '../../src/core/parse/dm-name';
import { DM_INFO_SEPARATOR } from '../../src/core/parse/parse-dmsetup';
import type { HostSnapshot, ProcessInfo } from '../../src/core/vocab/snapshot';
import { withVmlist } from './vmlist';

export interface LvSpec {
  vg: string;
  lv: string;
  /** Thin pool name: a thin LV in that pool. */
  pool?: string;
  active?: boolean;
  tags?: string[];
  origin?: string;
  sizeGiB?: number;
  /** 32-char LV id; generated when absent. */
  id?: string;
  open?: number;
  readonly?: boolean;
}

export interface MapSpec {
  name: string;
  uuid: string;
  table: string;
  open?: number;
  attr?: string;
}

let counter = 0;
/** A deterministic 32-char lvm2 id. */
export function lvmId(seed?: string): string {
  const base = `${seed ?? 'id'}${++counter}`.replace(/[^A-Za-z0-9]/g, 'x');
  return (base + 'Q'.repeat(32)).slice(0, 32);
}

const hyph = (id: string) =>
  `${id.slice(0, 6)}-${id.slice(6, 10)}-${id.slice(10, 14)}-${id.slice(14, 18)}-${id.slice(18, 22)}-${id.slice(22, 26)}-${id.slice(26)}`;

interface Dev {
  name: string;
  uuid: string;
  minor: number;
  table: string[];
  open: number;
  attr: string;
  deps: string[];
}

export class NodeBuilder {
  readonly vgIds = new Map<string, string>();
  readonly lvRows: Record<string, string>[] = [];
  readonly devs: Dev[] = [];
  readonly files: Record<string, string> = {};
  readonly processes: ProcessInfo[] = [];
  readonly vgAttr = new Map<string, string>();
  /** Device links of the node (udev's /dev/disk/by-*), as the gatherer resolves them. */
  readonly links: Record<string, string> = {};
  commandOverrides: Partial<HostSnapshot['commands']> = {};
  private nextMinor = 0;
  private thinIds = new Map<string, number>();

  constructor(readonly node = 'pve1') {
    this.files['/etc/pve/.members'] = JSON.stringify({ nodename: node, version: 1 });
    this.files['/etc/hostname'] = `${node}\n`;
  }

  vgId(vg: string): string {
    let id = this.vgIds.get(vg);
    if (!id) {
      id = lvmId(`vg${vg}`);
      this.vgIds.set(vg, id);
    }
    return id;
  }

  storage(text: string): this {
    this.files['/etc/pve/storage.cfg'] = `${text.trim()}\n`;
    return this;
  }

  cluster(nodes: string[], quorate = true): this {
    this.files['/etc/pve/.members'] = JSON.stringify({
      nodename: this.node,
      version: 3,
      cluster: { name: 'c', version: 2, nodes: nodes.length, quorate: quorate ? 1 : 0 },
      nodelist: Object.fromEntries(nodes.map((n, i) => [n, { id: i + 1, online: 1, ip: `10.0.0.${i + 1}` }])),
    });
    return this;
  }

  guest(vmid: number, type: 'qemu' | 'lxc', lines: string[] | string, node = this.node): this {
    const dir = type === 'lxc' ? 'lxc' : 'qemu-server';
    this.files[`/etc/pve/nodes/${node}/${dir}/${vmid}.conf`] = Array.isArray(lines) ? `${lines.join('\n')}\n` : lines;
    return this;
  }

  running(vmid: number, type: 'qemu' | 'lxc' = 'qemu', pid = 5000 + vmid): this {
    if (type === 'qemu') {
      this.files[`/run/qemu-server/${vmid}.pid`] = `${pid}\n`;
      this.processes.push({ pid, comm: 'kvm', cmdline: ['/usr/bin/kvm', '-id', String(vmid)] });
    } else {
      this.processes.push({
        pid,
        comm: 'lxc-start',
        cmdline: ['/usr/bin/lxc-start', '-F', '-n', String(vmid)],
        children: [],
      });
    }
    return this;
  }

  holder(devPath: string, pid: number, comm = 'dd'): this {
    this.processes.push({ pid, comm, cmdline: [comm], fds: [devPath] });
    return this;
  }

  task(type: string, id: string, running = true): this {
    const line = `UPID:${this.node}:0000A${String(this.devs.length).padStart(3, '0')}:00B00000:65000000:${type}:${id}:root@pam: ${running ? '0' : '1 65000100 OK'}`;
    this.files['/var/log/pve/tasks/active'] = `${this.files['/var/log/pve/tasks/active'] ?? ''}${line}\n`;
    return this;
  }

  private addDev(name: string, uuid: string, table: string[], open = 0, attr = 'L--w'): Dev {
    const d: Dev = { name, uuid, minor: this.nextMinor++, table, open, attr, deps: [] };
    this.devs.push(d);
    return d;
  }

  private devno(d: Dev): string {
    return `252:${d.minor}`;
  }

  /** Thin pool vg/pool with its four maps, as lvm2 creates them. */
  pool(vg: string, pool = 'data'): this {
    const vgid = this.vgId(vg);
    const poolId = lvmId(`p${pool}`);
    const tmetaId = lvmId('tm');
    const tdataId = lvmId('td');
    this.lvRows.push(this.row(vg, pool, poolId, { attr: 'twi-aotz--', segtype: 'thin-pool', size: 100 * 2 ** 30 }));
    this.lvRows.push(
      this.row(vg, `[${pool}_tmeta]`, tmetaId, { attr: 'ewi-ao----', segtype: 'linear', size: 2 ** 30 }),
    );
    this.lvRows.push(
      this.row(vg, `[${pool}_tdata]`, tdataId, { attr: 'Twi-ao----', segtype: 'linear', size: 100 * 2 ** 30 }),
    );
    const meta = this.addDev(
      buildDmName(vg, `${pool}_tmeta`),
      `LVM-${vgid}${tmetaId}-tmeta`,
      ['0 2097152 linear 8:3 2048'],
      1,
    );
    const data = this.addDev(
      buildDmName(vg, `${pool}_tdata`),
      `LVM-${vgid}${tdataId}-tdata`,
      ['0 209715200 linear 8:3 2099200'],
      1,
    );
    const tpool = this.addDev(
      buildDmName(vg, pool, 'tpool'),
      `LVM-${vgid}${poolId}-tpool`,
      [`0 209715200 thin-pool 252:${meta.minor} 252:${data.minor} 128 0 0`],
      1,
    );
    tpool.deps = [this.devno(meta), this.devno(data)];
    const wrap = this.addDev(
      buildDmName(vg, pool),
      `LVM-${vgid}${poolId}-pool`,
      [`0 209715200 linear 252:${tpool.minor} 0`],
      0,
      'L--r',
    );
    wrap.deps = [this.devno(tpool)];
    return this;
  }

  private row(
    vg: string,
    name: string,
    id: string,
    o: {
      attr: string;
      segtype: string;
      size: number;
      pool?: string;
      origin?: string;
      tags?: string[];
      active?: boolean;
      minor?: number;
    },
  ): Record<string, string> {
    const attr = this.vgAttr.get(vg) ?? 'wz--n-';
    return {
      lv_name: name,
      vg_name: vg,
      lv_uuid: hyph(id),
      vg_uuid: hyph(this.vgId(vg)),
      lv_attr: o.attr,
      lv_size: String(o.size),
      pool_lv: o.pool ?? '',
      origin: o.origin ?? '',
      lv_tags: (o.tags ?? []).join(','),
      segtype: o.segtype,
      lv_active: o.active === false ? '' : 'active',
      data_percent: '',
      metadata_percent: '',
      move_pv: '',
      lv_kernel_major: o.active === false ? '-1' : '252',
      lv_kernel_minor: o.active === false ? '-1' : String(o.minor ?? 0),
      vg_attr: attr,
      lv_role: 'public',
    };
  }

  /** An LV; active ones get their map (thin target in `pool`, else linear on the PV). */
  lv(s: LvSpec): this {
    const id = s.id ?? lvmId(s.lv);
    const size = (s.sizeGiB ?? 8) * 2 ** 30;
    const active = s.active ?? true;
    const thin = Boolean(s.pool);
    const attr = `${thin ? 'V' : '-'}${s.readonly ? 'r' : 'w'}i-${active ? 'a' : '-'}${(s.open ?? 0) > 0 ? 'o' : '-'}${thin ? 'tz' : '--'}--`;
    let minor = 0;
    if (active) {
      const name = buildDmName(s.vg, s.lv);
      const sectors = size / 512;
      let table: string;
      const deps: string[] = [];
      if (thin) {
        const tpool = this.devs.find((d) => d.name === buildDmName(s.vg, s.pool!, 'tpool'));
        if (!tpool) throw new Error(`pool ${s.vg}/${s.pool} not built`);
        const k = `${s.vg}/${s.pool}`;
        const tid = (this.thinIds.get(k) ?? 0) + 1;
        this.thinIds.set(k, tid);
        table = `0 ${sectors} thin 252:${tpool.minor} ${tid}`;
        deps.push(this.devno(tpool));
      } else {
        table = `0 ${sectors} linear 8:16 ${2048 + this.devs.length * sectors}`;
        deps.push('8:16');
      }
      const d = this.addDev(name, `LVM-${this.vgId(s.vg)}${id}`, [table], s.open ?? 0, s.readonly ? 'L--r' : 'L--w');
      d.deps = deps;
      minor = d.minor;
    }
    this.lvRows.push(
      this.row(s.vg, s.lv, id, {
        attr,
        segtype: thin ? 'thin' : 'linear',
        size,
        pool: s.pool,
        origin: s.origin,
        tags: s.tags,
        active,
        minor,
      }),
    );
    return this;
  }

  /** A hidden component sub-LV (`[lv_rimage_0]`) with its own map, as lvm2 shows raid/cache/integrity legs. */
  hiddenLv(vg: string, name: string): this {
    const id = lvmId(name);
    this.lvRows.push(this.row(vg, `[${name}]`, id, { attr: 'iwi-aor---', segtype: 'linear', size: 2 ** 30 }));
    this.addDev(buildDmName(vg, name), `LVM-${this.vgId(vg)}${id}`, ['0 2097152 linear 8:16 4096'], 1);
    return this;
  }

  /** A raw DM device (stale map, map without LV, hand-made copy, kpartx child, multipath...). */
  map(m: MapSpec): this {
    const d = this.addDev(m.name, m.uuid, m.table.split('\n'), m.open ?? 0, m.attr ?? 'L--w');
    d.deps = [...new Set([...m.table.matchAll(/\b(\d+:\d+)\b/g)].map((x) => x[1]))];
    return this;
  }

  /** A udev link to a map (`/dev/disk/by-path/...` → /dev/dm-N). */
  link(path: string, mapName: string): this {
    const d = this.devs.find((x) => x.name === mapName);
    if (!d) throw new Error(`no device ${mapName}`);
    this.links[path] = `/dev/dm-${d.minor}`;
    return this;
  }

  devnoOf(name: string): string {
    const d = this.devs.find((x) => x.name === name);
    if (!d) throw new Error(`no device ${name}`);
    return this.devno(d);
  }

  uuidOf(name: string): string {
    return this.devs.find((x) => x.name === name)!.uuid;
  }

  build(): HostSnapshot {
    const devs = [...this.devs].sort((a, b) => a.name.localeCompare(b.name));
    const info = devs.map((d) =>
      [
        d.name,
        d.uuid,
        `dm-${d.minor}`,
        '252',
        String(d.minor),
        d.attr,
        String(d.open),
        String(d.table.length),
        '0',
      ].join(DM_INFO_SEPARATOR),
    );
    const table = devs.flatMap((d) => d.table.map((t) => `${d.name}: ${t}`));
    const deps = devs.map(
      (d) => `${d.name}: ${d.deps.length} dependencies\t: ${d.deps.map((x) => `(${x.replace(':', ', ')})`).join(' ')}`,
    );
    const vgNames = [...this.vgIds.keys()];
    const ok = (argv: string[], stdout: string) => ({ argv, code: 0, stdout, stderr: '' });
    const lvsJson = `  {\n      "report": [\n          {\n              "lv": [\n${this.lvRows.map((r) => `                  ${JSON.stringify(r)}`).join(',\n')}\n              ]\n          }\n      ]\n  }\n`;
    const vgsJson = JSON.stringify({
      report: [
        {
          vg: vgNames.map((vg) => ({
            vg_name: vg,
            vg_uuid: hyph(this.vgId(vg)),
            vg_attr: this.vgAttr.get(vg) ?? 'wz--n-',
            vg_size: '1',
            vg_free: '0',
            pv_count: '1',
            lv_count: String(this.lvRows.filter((r) => r.vg_name === vg && !r.lv_name.startsWith('[')).length),
            vg_tags: '',
            pv_name: '/dev/sdb',
          })),
        },
      ],
    });
    return {
      kind: 'pve-health-snapshot',
      version: 1,
      capturedAt: '2026-11-20T08:00:00.000Z',
      hostname: this.node,
      toolVersion: 'test',
      redacted: false,
      files: withVmlist(this.files),
      commands: {
        'dmsetup.info': ok(['dmsetup', 'info'], info.length ? `${info.join('\n')}\n` : 'No devices found\n'),
        'dmsetup.table': ok(['dmsetup', 'table'], table.length ? `${table.join('\n')}\n` : 'No devices found\n'),
        'dmsetup.deps': ok(['dmsetup', 'deps'], deps.length ? `${deps.join('\n')}\n` : 'No devices found\n'),
        'dmsetup.status': ok(['dmsetup', 'status'], ''),
        lvs: ok(['lvs'], lvsJson),
        vgs: ok(['vgs'], vgsJson),
        ...this.commandOverrides,
      } as HostSnapshot['commands'],
      processes: this.processes,
      sysDm: devs.map((d) => ({ kname: `dm-${d.minor}`, name: d.name, uuid: d.uuid })),
      links: { ...this.links },
    };
  }
}

export const LOCAL_LVM = `dir: local
	path /var/lib/vz
	content iso,vztmpl,backup

lvmthin: local-lvm
	thinpool data
	vgname pve
	content rootdir,images
`;
