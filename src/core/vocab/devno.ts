// A device number as Linux packs it into a dev_t (st_rdev) and as dmsetup, lvs and /sys name it
// ("major:minor"). The split is glibc's gnu_dev_major/gnu_dev_minor (sysdeps/unix/sysv/linux/
// sys/sysmacros.h): major in bits 8-19 and 32-63, minor in bits 0-7 and 12-31 — the kernel's
// new_encode_dev for the 32-bit part, the high bits for majors past 4095.

/** "major:minor" of a dev_t (stat's rdev, taken as a bigint so no bit of a 64-bit value is lost). */
export function devnoOfRdev(rdev: bigint | number): string {
  const dev = BigInt(rdev);
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & 0xffffff00n);
  return `${major}:${minor}`;
}
