export function fuseAvailable(): string | null;
export interface HungMount {
  dir: string;
  pid?: number;
  close(): void;
}
export function mountStall(dir: string): HungMount & { abort(): void };
export function mountSwallow(dir: string): Promise<HungMount & { pid: number }>;
