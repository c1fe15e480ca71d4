// Module hooks the CLI registers (node:module register): a scenario (or anything it imports) in
// TypeScript is an ES module, whatever the user's package.json says. Without this, a .ts file in a
// project without "type": "module" is compiled as CommonJS, and its `import ... from 'brownout'`
// becomes a require() of an ES module, which fails ("Cannot require() ES Module ... in a cycle").
// .cts stays CommonJS; files in node_modules keep their package's own type.
export async function resolve(specifier, context, nextResolve) {
  const r = await nextResolve(specifier, context);
  if (r.url.startsWith('file:') && /\.(ts|tsx)$/.test(new URL(r.url).pathname) && !r.url.includes('/node_modules/') && r.format !== 'module') {
    return { ...r, format: 'module' };
  }
  return r;
}
