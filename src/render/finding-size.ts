// A finding's size as the dashboard's and the HTML report's finding cards show it: a device-mapper
// finding its map's or LV's size, a volume finding both of its figures, labelled
// (core/text/size-figures.ts: "32.0 GiB provisioned, 302 MiB used", a snapshot only what it uses). Pure.

import { volumeSubject } from '../core/findings/finding-keys';
import type { Finding } from '../core/findings/findings';
import { formatBytes } from '../core/text/format-bytes';
import { sizeFigures, sizeText } from '../core/text/size-figures';
import type { CheckDocument } from '../core/vocab/types';

/** The size of each finding of `doc`, or null where nothing was listed (indexed once per document). */
export function findingSizes(doc: CheckDocument): (f: Finding) => string | null {
  const dm = new Map((doc.dm?.entries ?? []).map((e) => [e.name, e]));
  const volumes = new Map((doc.volumes?.entries ?? []).map((e) => [volumeSubject(e), e]));
  return (f) => {
    if (f.part === 'volumes') {
      const v = volumes.get(f.subject);
      if (!v || (v.sizeBytes === null && v.usedBytes === null)) return null;
      return sizeText(sizeFigures(v));
    }
    const e = f.dmName ? dm.get(f.dmName) : undefined;
    return e?.sizeBytes ? formatBytes(e.sizeBytes) : null;
  };
}
