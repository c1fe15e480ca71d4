const UNITS: Record<string, number> = { KB: 1e3, MB: 1e6, GB: 1e9, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3 };

/** '256MB' in bytes (MB and GB are 1000², 1000³; KiB, MiB, GiB 1024, 1024², 1024³); undefined when it does not read as a size. */
export function parseBytes(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMG]i?B)\s*$/i.exec(text);
  const unit = m && UNITS[(m[2] ?? '').toUpperCase()];
  return m && unit ? Math.round(Number(m[1]) * unit) : undefined;
}
