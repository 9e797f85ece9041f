// A snapshot of a node with only the files, processes and extras a test gives: no command output, no maps.
import type { HostSnapshot } from '../../src/core/vocab/snapshot';

export function bareSnapshot(files: Record<string, string>, extra: Partial<HostSnapshot> = {}): HostSnapshot {
  return {
    kind: 'pve-health-snapshot',
    version: 1,
    capturedAt: '2026-01-01T00:00:00Z',
    hostname: 'pve1',
    toolVersion: 't',
    redacted: false,
    files,
    commands: {},
    processes: [],
    sysDm: [],
    ...extra,
  };
}
