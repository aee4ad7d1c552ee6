// The admin page's files (src/admin/page/): one script and one style sheet, each bundled and minified by
// esbuild, the icon, and index.html naming them. The script, style sheet and icon get a hash of their
// content in their names, so the app can let browsers cache them for good (src/admin/page.ts serves
// them). build/build.mts writes them beside the compiled app (dist/src/admin/page-assets), and
// build/bundle.mts into the deployment package (dist/package/page-assets).
// Node runs this file as it is (type stripping).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
export const PAGE_SOURCES = path.join(root, 'src', 'admin', 'page');
/** Where the server finds the page's files: keep in step with ASSETS_FOLDER in src/admin/page.ts. */
export const ASSETS_FOLDER = 'page-assets';
/** The path the app serves assets under. */
const ASSETS_URL = '/__admin/assets/';

const hashed = (name: string, content: string | Uint8Array): string => {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 12);
  const ext = path.extname(name);
  return `${path.basename(name, ext)}.${hash}${ext}`;
};

async function bundled(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [path.join(PAGE_SOURCES, entry)],
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    // What the page's own code needs (dialog, :focus-visible, optional chaining): any browser of the last few years.
    target: ['chrome110', 'firefox110', 'safari16'],
    legalComments: 'none',
    logLevel: 'warning',
    outdir: 'out',
  });
  const out = result.outputFiles.find((f) => f.path.endsWith(path.extname(entry) === '.ts' ? '.js' : '.css'));
  if (!out) throw new Error(`esbuild wrote nothing for ${entry}`);
  return out.text;
}

/** Builds the page into `folder`: new files first, index.html last, then whatever an earlier build left. */
export async function buildAdminPage(folder: string): Promise<void> {
  const files = new Map<string, string>();
  const names: Record<string, string> = {};
  for (const [source, content] of [
    ['admin.js', await bundled('main.ts')],
    ['admin.css', await bundled('admin.css')],
    ['icon.svg', readFileSync(path.join(PAGE_SOURCES, 'icon.svg'), 'utf8')],
  ] as const) {
    const name = hashed(source, content);
    files.set(name, content);
    names[source] = `${ASSETS_URL}${name}`;
  }
  const page = readFileSync(path.join(PAGE_SOURCES, 'index.html'), 'utf8').replace(/\{\{([\w.]+)\}\}/g, (_m, source: string) => {
    const url = names[source];
    if (url === undefined) throw new Error(`index.html names {{${source}}}, which the build does not make`);
    return url;
  });
  mkdirSync(folder, { recursive: true });
  for (const [name, content] of files) writeFileSync(path.join(folder, name), content);
  writeFileSync(path.join(folder, 'index.html'), page);
  // A server that is running keeps what it read; one that starts next reads only what index.html names.
  for (const name of readdirSync(folder)) if (name !== 'index.html' && !files.has(name)) rmSync(path.join(folder, name));
}

/** The newest modification time of the page's sources and of this file: whether a build is due. */
export function newestSource(): number {
  const sources = [path.join(root, 'build', 'admin-page.mts'), ...readdirSync(PAGE_SOURCES).map((f) => path.join(PAGE_SOURCES, f))];
  return Math.max(...sources.map((f) => statSync(f).mtimeMs));
}
