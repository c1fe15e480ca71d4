import path from 'node:path';

/** Where the pinned tools live (built by `make setup`). */
export const TOOLS_BIN = path.resolve(import.meta.dirname, '../../.tools/bin');
