import { health } from '../../src/health';
import { graphRequest, headerOf, invocationContext, jsonOf } from '../helpers/requests';

it('answers 200 {"status":"ok"} without a token when the table answers', async () => {
  const request = graphRequest({ method: 'GET', path: '/health', params: {} });
  request.headers.delete('authorization');
  const response = await health(request, invocationContext());
  expect(response.status).toBe(200);
  expect(jsonOf(response)).toEqual({ status: 'ok' });
  expect(headerOf(response, 'request-id')).toBeDefined();
});
