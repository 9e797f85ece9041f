// A guest of the cluster as the node view holds it: its place and its parsed config.
import type { GuestConfig, GuestType } from '../parse/guest-config';

/** A guest of the cluster: where its config lives and what it says (null when unreadable). */
export interface GuestRecord {
  vmid: number;
  type: GuestType;
  /** Node whose nodes/<node>/ directory holds the config (or .vmlist's node). */
  node: string;
  config: GuestConfig | null;
  /** Why config is null (unreadable, parse error). */
  configError?: string;
}
