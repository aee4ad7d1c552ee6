// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import * as z from 'zod';
import { onOff, settingsSlice, splitList } from '../settingsSlice';

/**
 * The settings of each mock control (docs/mock-controls.md), one slice per control. All are off or
 * neutral unless asked for, so a deployment behaves like plain Graph.
 */

/** Statuses a mock control may answer with, each in Graph's shape (src/controls/errors.ts). */
export const MOCK_ERROR_STATUSES = [429, 500, 502, 503, 504] as const;
export type MockErrorStatus = (typeof MOCK_ERROR_STATUSES)[number];

/** Longer than any client waits; Retry-After beyond it would only stall a test run. */
export const MAX_RETRY_AFTER_SECONDS = 3600;
/** Azure's front end drops an HTTP request after 230 s, so no simulated delay may reach it. */
export const MAX_LATENCY_BOUND_MS = 220_000;
/** The most requests one `<requests>/<seconds>` window may allow: its log is kept in one table entity. */
export const MAX_RATE_LIMIT_REQUESTS = 5000;

export type RateLimitSetting =
  | { mode: 'off' }
  /**
   * Intune's documented limits, in one 20 s window: writes per app in a tenant and for the whole
   * tenant, and any request (reads included) per app in a tenant and for the tenant.
   */
  | { mode: 'intune'; perCaller: number; perTenant: number; readsPerCaller: number; readsPerTenant: number; windowSeconds: number }
  /** Every request, reads included, per app in a tenant. */
  | { mode: 'requests'; perCaller: number; windowSeconds: number };

export const INTUNE_RATE_LIMIT = {
  mode: 'intune',
  perCaller: 100,
  perTenant: 200,
  readsPerCaller: 1000,
  readsPerTenant: 2000,
  windowSeconds: 20,
} as const;

/** The delay control: x-mock-latency on request, MOCK_LATENCY_MS on every request. */
export const latencySettings = settingsSlice({
  shape: {
    MOCK_MAX_LATENCY_MS: z.coerce.number().int().min(0).max(MAX_LATENCY_BOUND_MS).default(30_000),
    MOCK_LATENCY_MS: z
      .string()
      .regex(/^\s*\d+\s*-\s*\d+\s*$/, 'use "min-max" in milliseconds, e.g. 50-200')
      .transform((value) => {
        const [min, max] = value.split('-').map((v) => Number(v.trim())) as [number, number];
        return { min, max };
      })
      .refine((range) => range.min <= range.max, 'the minimum is greater than the maximum')
      .optional(),
  },
  check(s, ctx) {
    if (s.MOCK_LATENCY_MS && s.MOCK_LATENCY_MS.max > s.MOCK_MAX_LATENCY_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['MOCK_LATENCY_MS'],
        message: `the maximum is above MOCK_MAX_LATENCY_MS (${s.MOCK_MAX_LATENCY_MS})`,
      });
    }
  },
  read: (s) => ({ maxLatencyMs: s.MOCK_MAX_LATENCY_MS, latencyMs: s.MOCK_LATENCY_MS }),
});

/** The on-request controls: whether x-mock-* request headers are honoured. */
export const headerControlSettings = settingsSlice({
  shape: { MOCK_CONTROLS: onOff.default('off') },
  read: (s) => ({ headers: s.MOCK_CONTROLS === 'on' }),
});

function isMockErrorStatus(n: number): n is MockErrorStatus {
  return (MOCK_ERROR_STATUSES as readonly number[]).includes(n);
}

function parseFailureStatuses(value: string, ctx: z.RefinementCtx): MockErrorStatus[] {
  const statuses: MockErrorStatus[] = [];
  for (const item of splitList(value)) {
    const n = /^\d{3}$/.test(item) ? Number(item) : NaN;
    if (!isMockErrorStatus(n)) {
      ctx.addIssue({ code: 'custom', message: `'${item}' is not one of ${MOCK_ERROR_STATUSES.join(', ')}` });
      return z.NEVER;
    }
    if (!statuses.includes(n)) statuses.push(n);
  }
  if (statuses.length === 0) {
    ctx.addIssue({ code: 'custom', message: `list at least one of ${MOCK_ERROR_STATUSES.join(', ')}` });
    return z.NEVER;
  }
  return statuses;
}

/**
 * Failures: MOCK_FAILURE_RATE's random ones (drawn from MOCK_SEED's sequence), and the Retry-After
 * every simulated 429 and 503 carries unless x-mock-retry-after says otherwise.
 */
export const failureSettings = settingsSlice({
  shape: {
    MOCK_RETRY_AFTER_SECONDS: z.coerce.number().int().min(0).max(MAX_RETRY_AFTER_SECONDS).default(10),
    MOCK_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
    MOCK_FAILURE_STATUSES: z
      .string()
      .default('429,503')
      .transform((value, ctx) => parseFailureStatuses(value, ctx)),
    MOCK_SEED: z
      .string()
      .trim()
      .regex(/^-?\d{1,15}$/, 'an integer, or empty for a random sequence')
      .transform(Number)
      .optional(),
  },
  read: (s) => ({
    retryAfterSeconds: s.MOCK_RETRY_AFTER_SECONDS,
    failureRate: s.MOCK_FAILURE_RATE,
    failureStatuses: s.MOCK_FAILURE_STATUSES,
    /** undefined: a random sequence each start. */
    seed: s.MOCK_SEED,
  }),
});

function parseRateLimit(value: string, ctx: z.RefinementCtx): RateLimitSetting {
  const v = value.toLowerCase();
  if (v === 'off') return { mode: 'off' };
  if (v === 'intune') return { ...INTUNE_RATE_LIMIT };
  const match = /^(\d{1,9})\s*\/\s*(\d{1,5})$/.exec(v);
  const perCaller = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (!match || perCaller < 1 || perCaller > MAX_RATE_LIMIT_REQUESTS || windowSeconds < 1 || windowSeconds > MAX_RETRY_AFTER_SECONDS) {
    ctx.addIssue({
      code: 'custom',
      message: `use off, intune, or "<requests>/<seconds>" such as 100/20 (1 to ${MAX_RATE_LIMIT_REQUESTS} requests, 1 to ${MAX_RETRY_AFTER_SECONDS} seconds)`,
    });
    return z.NEVER;
  }
  return { mode: 'requests', perCaller, windowSeconds };
}

/** The rate limit: Intune's per-tenant and per-app windows, or a window of your own. */
export const rateLimitSettings = settingsSlice({
  shape: {
    MOCK_RATE_LIMIT: z
      .string()
      .trim()
      .default('off')
      .transform((value, ctx) => parseRateLimit(value, ctx)),
  },
  read: (s) => ({ rateLimit: s.MOCK_RATE_LIMIT }),
});

export type MockSettings = ReturnType<typeof latencySettings.read> &
  ReturnType<typeof headerControlSettings.read> &
  ReturnType<typeof failureSettings.read> &
  ReturnType<typeof rateLimitSettings.read>;
