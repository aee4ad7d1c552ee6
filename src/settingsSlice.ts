// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import * as z from 'zod';

/**
 * What a settings slice is: the settings one part of the app owns (authentication, a mock control,
 * the admin), declared next to that part, and composed with every other slice in src/config.ts, which
 * reads them all at once. A slice imports nothing of the app but this module, so src/config.ts can
 * import every slice without an import cycle.
 */
export interface SettingsSlice<Shape extends z.ZodRawShape, Out> {
  /** The settings by name, as zod reads them from the environment (blank values removed first). */
  shape: Shape;
  /** Rules that span several settings; `env` is the whole environment, for the platform's own variables. */
  check?(values: z.output<z.ZodObject<Shape>>, ctx: z.RefinementCtx, env: Readonly<Record<string, string>>): void;
  /** The slice's part of the app's settings. */
  read(values: z.output<z.ZodObject<Shape>>): Out;
}

/** Declares a slice, with its values typed by its own shape. */
export function settingsSlice<Shape extends z.ZodRawShape, Out>(slice: SettingsSlice<Shape, Out>): SettingsSlice<Shape, Out> {
  return slice;
}

export const onOff = z.enum(['on', 'off']);
export const positiveInt = z.coerce.number().int().positive();

/** A comma-separated setting as its non-empty, trimmed items. */
export function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

/**
 * When the platform cannot read a referenced secret it passes the reference text through as the
 * value. Taken as a key, that text (which is not secret) would let anyone who knows it in.
 */
export function refuseUnresolvedKeyVaultReference(name: string, value: string | undefined, ctx: z.RefinementCtx): void {
  if (/^\s*@Microsoft\.KeyVault\(/i.test(value ?? '')) {
    ctx.addIssue({
      code: 'custom',
      path: [name],
      message: "is an unresolved Key Vault reference: the app's identity could not read the secret (see docs/deploy.md, Troubleshooting)",
    });
  }
}
