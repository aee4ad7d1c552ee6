import { getStore } from './assignments/store';
import { graphHandler } from './graph/handler';

/** 200 when the assignments table answers; otherwise the store's 503 in Graph's envelope. No token needed. */
export const health = graphHandler(async (g) => {
  await getStore(g.config).ping();
  return { status: 200, body: { status: 'ok' } };
});
