import { describe, expect, it } from 'vitest';
import { expandVars } from './expand.ts';

describe('expandVars', () => {
  it("puts the harness's values into a command or an env value, leaving other text as written", () => {
    const vars = { PORT: '41234', DB_HOST: '127.0.0.1', DB_PORT: '3307' };
    expect(expandVars('--port=${PORT}', vars)).toBe('--port=41234');
    expect(expandVars('mysql://u@${DB_HOST}:${DB_PORT}/app', vars)).toBe('mysql://u@127.0.0.1:3307/app');
    // Not a harness value: kept (a shell or the service may mean it), and $PORT without braces too.
    expect(expandVars('${HOME}/x $PORT', vars)).toBe('${HOME}/x $PORT');
  });
});
