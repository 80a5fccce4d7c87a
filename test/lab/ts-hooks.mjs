// Module hooks that let a plain `node` child process import the project's TypeScript sources
// (used to run probes inside a network namespace, where vitest's workers cannot go): a `.js`
// import that has a `.ts` twin resolves to it, and `.ts` files are transpiled with esbuild (types
// stripped only, as vitest does; TypeScript's own transpiler took seconds to load and run).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let esbuild;

export async function resolve(specifier, context, next) {
  if (
    (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')) &&
    specifier.endsWith('.js') &&
    context.parentURL
  ) {
    const url = new URL(specifier, context.parentURL);
    const tsUrl = new URL(url.href.replace(/\.js$/, '.ts'));
    if (!existsSync(fileURLToPath(url)) && existsSync(fileURLToPath(tsUrl)))
      return { url: tsUrl.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  esbuild ??= await import('esbuild');
  const file = fileURLToPath(url);
  const out = await esbuild.transform(readFileSync(file, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: 'es2022',
    sourcefile: file,
  });
  return { format: 'module', source: out.code, shortCircuit: true };
}
