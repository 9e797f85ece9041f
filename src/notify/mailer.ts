// nodemailer, loaded when a message is sent. In the build it is a file of its own beside the bundle,
// pve-health-mailer.cjs (an asset of the single executable), not part of the bundle: V8 keeps a script's
// whole source for as long as the process runs, and nodemailer was 0.5 MB of the bundle's 1.3 MB, held
// by every run and by the service, which never mail (the single executable also kept those pages of its
// binary mapped). scripts/build.mjs writes both files and names this one in __PVE_HEALTH_MAILER__.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { compileFunction } from 'node:vm';
import { builtinRequire } from '../host/builtin-require';
import { isSingleExecutable } from '../host/self-command';

declare const __PVE_HEALTH_MAILER__: string;

type Nodemailer = typeof import('nodemailer').default;

let loaded: Nodemailer | undefined;

export async function loadNodemailer(): Promise<Nodemailer> {
  loaded ??= typeof __PVE_HEALTH_MAILER__ === 'string' ? mailerBesideBundle() : (await import('nodemailer')).default;
  return loaded;
}

// The mailer's module exports `default`, as `import('nodemailer')` gives it.
function mailerBesideBundle(): Nodemailer {
  let exports: { default?: Nodemailer };
  if (isSingleExecutable()) {
    // An asset: compiled as node compiles a CommonJS module. It requires only node's builtins.
    const sea = builtinRequire('node:sea') as typeof import('node:sea');
    const params = ['exports', 'require', 'module', '__filename', '__dirname'];
    const run = compileFunction(sea.getAsset(__PVE_HEALTH_MAILER__, 'utf8'), params, {
      filename: __PVE_HEALTH_MAILER__,
    });
    const mod = { exports: {} };
    run.call(mod.exports, mod.exports, builtinRequire, mod, __PVE_HEALTH_MAILER__, '.');
    exports = mod.exports;
  } else {
    // Beside the bundle: dist/ in a build, /usr/lib/pve-health in pve-health-nodejs.
    const file = join(dirname(__filename), __PVE_HEALTH_MAILER__);
    try {
      exports = createRequire(__filename)(file);
    } catch (e) {
      throw new Error(`cannot load the mailer ${file}: ${(e as Error).message.split('\n')[0]} (reinstall pve-health)`);
    }
  }
  if (typeof exports.default?.createTransport !== 'function')
    throw new Error(`${__PVE_HEALTH_MAILER__} is not the mailer this build made (reinstall pve-health)`);
  return exports.default;
}
