// The python the tests run fakenode and their own python fakes with: Debian's, as fakenode's fake tools
// use it (their `#!/usr/bin/python3 -SE`). `python3` on PATH may be a version manager's shim that starts a
// handful of processes for every call (about 0.75 s of CPU each, in tests that call it hundreds of times).
import { existsSync } from 'node:fs';

export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
