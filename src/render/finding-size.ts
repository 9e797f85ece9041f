// A finding's size as the console's problems, the dashboard's and the HTML report's finding cards show it: a device-mapper
// finding its map's or LV's size, a volume finding both of its figures, labelled
// (core/text/size-figures.ts: "32.0 GiB provisioned, 302 MiB used", a snapshot only what it uses). Pure.

import { volumeSubject } from '../core/findings/finding-keys';
import type { Finding } from '../core/findings/findings';
import { formatBytes } from '../core/text/format-bytes';
import { sizeFigures, sizeText } from '../core/text/size-figures';
import type { CheckDocument, DmEntry } from '../core/vocab/types';
import type { VolumeEntry } from '../core/vocab/volume-types';

/**
 * The size of a finding's entry: a volume's both figures (a snapshot only what it uses: the size its
 * entry carries is its volume's), a DM map's or LV's size; null where nothing was listed.
 */
export function entrySize(e: { dm?: DmEntry; volume?: VolumeEntry }): string | null {
  const v = e.volume;
  if (v) return v.sizeBytes === null && v.usedBytes === null ? null : sizeText(sizeFigures(v));
  return e.dm?.sizeBytes ? formatBytes(e.dm.sizeBytes) : null;
}

/** The size of each finding of `doc`, or null where nothing was listed (indexed once per document). */
export function findingSizes(doc: CheckDocument): (f: Finding) => string | null {
  const dm = new Map((doc.dm?.entries ?? []).map((e) => [e.name, e]));
  const volumes = new Map((doc.volumes?.entries ?? []).map((e) => [volumeSubject(e), e]));
  return (f) =>
    f.part === 'volumes'
      ? entrySize({ volume: volumes.get(f.subject) })
      : entrySize({ dm: f.dmName ? dm.get(f.dmName) : undefined });
}
