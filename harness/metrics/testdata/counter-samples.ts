// Recorded-shape counter readings the counters' tests share (metrics/counters.test, measures/counters.test):
// a database's status counters read each second, a cache's stats read twice.
export const cacheSamples = [
  { atMs: 1000, values: { hits: 10, misses: 0, commands: 10 } },
  { atMs: 3000, values: { hits: 40, misses: 10, commands: 60 } },
];
export const samples = [
  { atMs: 1000, values: { queries: 100, connections: 5 } },
  { atMs: 2000, values: { queries: 120, connections: 5 } },
  { atMs: 3000, values: { queries: 180, connections: 7 } },
];
