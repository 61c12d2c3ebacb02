/**
 * The package build's second half (`npm run build`: tsc -p tsconfig.build.json, then this): bundle every Lambda
 * handler exactly as `cdk synth` does from source (the same KeyturnFunction and esbuild options, through CDK's own
 * bundling) and ship each bundle beside its compiled handler path as `dist/lambdas/<fn>/bundle/index.js`, where
 * KeyturnFunction finds it; then copy the JSON files the compiled code reads at run time.
 *
 *   tsx bin/build-package.ts [outDir]   (default: dist)
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { KeyturnFunction, PREBUILT_BUNDLE_DIR } from '../lib/keyturn-function';

const ROOT = path.join(__dirname, '..');

/** Every function's entry: `lambdas/<fn>/handler.ts`. */
function handlerEntries(root: string = ROOT): { name: string; entry: string }[] {
  const lambdas = path.join(root, 'lambdas');
  return readdirSync(lambdas, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(lambdas, d.name, 'handler.ts')))
    .map((d) => ({ name: d.name, entry: path.join(lambdas, d.name, 'handler.ts') }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Bundle each handler through a throw-away CDK app; returns the bundle directories by function name. */
function bundleHandlers(outDir: string, root: string = ROOT): Record<string, string> {
  const cdkOut = mkdtempSync(path.join(tmpdir(), 'keyturn-build-'));
  try {
    const app = new App({ outdir: cdkOut, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'KeyturnBuild');
    const entries = handlerEntries(root);
    const functions = entries.map(({ name, entry }) => ({
      name,
      fn: new KeyturnFunction(stack, `Fn-${name}`, { entry, description: name }),
    }));
    const assembly = app.synth();
    const template = assembly.getStackByName(stack.stackName).template as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    };
    const out: Record<string, string> = {};
    for (const { name, fn } of functions) {
      const logicalId = stack.getLogicalId(fn.function.node.defaultChild as never);
      const assetPath = template.Resources[logicalId]?.Metadata?.['aws:asset:path'];
      if (!assetPath) throw new Error(`build: no bundled asset for lambdas/${name}`);
      const target = path.join(outDir, 'lambdas', name, PREBUILT_BUNDLE_DIR);
      rmSync(target, { recursive: true, force: true });
      mkdirSync(path.dirname(target), { recursive: true });
      cpSync(path.join(cdkOut, assetPath), target, { recursive: true });
      out[name] = target;
    }
    return out;
  } finally {
    rmSync(cdkOut, { recursive: true, force: true });
  }
}

/** JSON files the compiled code reads from disk (not through `import`, so tsc does not copy them). */
const RUNTIME_JSON = ['lambdas/providers/presets', 'bin/keyturn.config.json'];

function copyRuntimeJson(outDir: string, root: string = ROOT): void {
  for (const rel of RUNTIME_JSON) {
    const from = path.join(root, rel);
    if (!existsSync(from)) continue;
    cpSync(from, path.join(outDir, rel), {
      recursive: true,
      filter: (src) => statSync(src).isDirectory() || src.endsWith('.json'),
    });
  }
}

if (require.main === module) {
  const outDir = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist'));
  if (!existsSync(path.join(outDir, 'lib'))) {
    console.error(`build: ${outDir}/lib is missing: run tsc -p tsconfig.build.json first`);
    process.exit(1);
  }
  copyRuntimeJson(outDir);
  const bundles = bundleHandlers(outDir);
  for (const [name, dir] of Object.entries(bundles))
    console.log(`bundled lambdas/${name} → ${path.relative(ROOT, dir)}`);
}
