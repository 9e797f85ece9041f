// A capture whose kvm processes carry command lines of the shape qemu-server writes (config_to_command:
// some 70 words, a JSON `-blockdev` object and a throttle group per disk), instead of the five words
// fakenode's scale model gives them. Every process that holds a map is read and redacted for the
// document, so on a real node these lines are a large part of the work; the bench measures both.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A kvm command line as qemu-server 8/9 starts a VM with `disks` SCSI disks on LVM VG `vg`. */
export function kvmCommandLine(vmid, disks, vg) {
  const run = `/var/run/qemu-server/${vmid}`;
  const argv = [
    '/usr/bin/kvm',
    ...['-id', String(vmid), '-name', `vm${vmid},debug-threads=on`, '-no-shutdown'],
    ...['-chardev', `socket,id=qmp,path=${run}.qmp,server=on,wait=off`, '-mon', 'chardev=qmp,mode=control'],
    ...['-chardev', 'socket,id=qmp-event,path=/var/run/qmeventd.sock,reconnect-ms=5000'],
    ...['-mon', 'chardev=qmp-event,mode=control', '-pidfile', `${run}.pid`, '-daemonize'],
    ...['-smbios', `type=1,uuid=7b1f4a52-${String(vmid).padStart(4, '0')}-4c1e-9d2b-1f0e8c6a3b5d`],
    ...['-smp', '2,sockets=1,cores=2,maxcpus=2', '-nodefaults'],
    ...['-boot', 'menu=on,strict=on,reboot-timeout=1000,splash=/usr/share/qemu-server/bootsplash.jpg'],
    ...['-vnc', `unix:${run}.vnc,password=on`, '-cpu', 'host,+kvm_pv_eoi,+kvm_pv_unhalt', '-m', '2048'],
    ...['-object', 'iothread,id=iothread-virtioscsi0', '-readconfig', '/usr/share/qemu-server/pve-q35-4.0.cfg'],
    ...['-device', 'vmgenid,guid=0b3c7e58-1d2a-4f6b-8e9c-2a4d6f8b0c1e'],
    ...['-device', 'usb-tablet,id=tablet,bus=ehci.0,port=1', '-device', 'VGA,id=vga,bus=pcie.0,addr=0x1'],
    ...['-device', 'virtio-balloon-pci,id=balloon0,bus=pci.0,addr=0x3,free-page-reporting=on'],
    ...['-iscsi', 'initiator-name=iqn.1993-08.org.debian:01:5e6f7a8b9c0d'],
    ...['-device', 'virtio-scsi-pci,id=virtioscsi0,bus=pci.3,addr=0x1,iothread=iothread-virtioscsi0'],
  ];
  for (let i = 0; i < disks; i++) {
    const drive = `drive-scsi${i}`;
    const file = `/dev/${vg}/vm-${vmid}-disk-${i}`;
    const inner = `{"aio":"io_uring","cache":{"direct":true,"no-flush":false},"detect-zeroes":"unmap","discard":"unmap","driver":"host_device","filename":"${file}","node-name":"e${vmid}d${i}","read-only":false}`;
    argv.push(
      '-object',
      `{"id":"throttle-${drive}","limits":{},"qom-type":"throttle-group"}`,
      '-blockdev',
      `{"detect-zeroes":"unmap","discard":"unmap","driver":"throttle","file":{"cache":{"direct":true,"no-flush":false},"detect-zeroes":"unmap","discard":"unmap","driver":"raw","file":${inner},"node-name":"f${vmid}d${i}","read-only":false},"node-name":"${drive}","read-only":false,"throttle-group":"throttle-${drive}"}`,
      '-device',
      `scsi-hd,bus=virtioscsi0.0,channel=0,scsi-id=0,lun=${i},drive=${drive},id=scsi${i},device_id=${drive},write-cache=on${i === 0 ? ',bootindex=100' : ''}`,
    );
  }
  argv.push(
    ...['-netdev', `type=tap,id=net0,ifname=tap${vmid}i0,script=/var/lib/qemu-server/pve-bridge`],
    ...['-device', 'virtio-net-pci,mac=BC:24:11:5A:6B:7C,netdev=net0,bus=pci.0,addr=0x12,id=net0,rx_queue_size=1024'],
    ...['-machine', 'type=q35+pve0'],
  );
  return argv;
}

/** `snap` with every kvm process's command line of qemu-server's shape (its VMID, one disk per map it holds), written to `out`. */
export function withKvmLines(snap, out) {
  const s = JSON.parse(readFileSync(snap, 'utf8'));
  for (const p of s.processes ?? []) {
    if (p.comm !== 'kvm') continue;
    const vmid = Number(p.cmdline[p.cmdline.indexOf('-id') + 1]);
    if (!Number.isInteger(vmid)) continue;
    p.cmdline = kvmCommandLine(vmid, Math.max(1, p.fds?.length ?? 1), 'pve');
  }
  writeFileSync(out, JSON.stringify(s));
  return out;
}

// `node bench/kvm-lines.mjs SNAPSHOT OUT`: run by bench/run.mjs as a child, so the bench never holds the parsed capture.
if (process.argv[1] === fileURLToPath(import.meta.url)) withKvmLines(process.argv[2], process.argv[3]);
