// The one place the version lives: esbuild defines __PVE_HEALTH_VERSION__ from package.json at build
// time (scripts/build.mjs); tests running the TypeScript sources see the development value.
declare const __PVE_HEALTH_VERSION__: string;

export const VERSION = typeof __PVE_HEALTH_VERSION__ === 'string' ? __PVE_HEALTH_VERSION__ : '0.0.0-dev';

/** The project's homepage and source (package.json "homepage"; a test keeps the two equal). */
export const SOURCE_URL = 'https://github.com/pve-health/pve-health';
