// Run as a copy of node named `lxc-start` (`lxc-start mounts-lxc-start.js -F -n 105`): stands in
// for LXC's monitor process. Its child is the "container init": a shell in its own mount namespace
// (unshare -m), so pve-health must find it from the lxc-start process and read /proc/<pid>/mountinfo.
// CT_INIT names the init script (default mounts-ct-init.sh, CT 105's).
const { spawn } = require('child_process');
// Recent Node names its main thread "MainThread", which is what /proc/<pid>/comm then shows; the
// real lxc-start (a C program) is "lxc-start", and that is what pve-health looks for.
require('fs').writeFileSync('/proc/self/comm', 'lxc-start');
const child = spawn('unshare', ['-m', '--propagation', 'private', '/bin/sh', process.env.CT_INIT ?? `${__dirname}/mounts-ct-init.sh`], {
  stdio: 'inherit',
});
child.on('exit', (code) => process.exit(code ?? 1));
