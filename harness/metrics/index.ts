export * from './figures.ts';
export * from './series.ts';
export * from './table.ts';
export * from './writes.ts';
export * from './ladder.ts';
export * from './counters.ts';
export * from './machine.ts';
export * from './interval.ts';
