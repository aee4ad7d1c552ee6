import { send, testApp } from '../helpers/app';
import { graphRequest, headerOf, jsonOf } from '../helpers/requests';

it('answers 200 {"status":"ok"} without a token when the table answers', async () => {
  const request = graphRequest({ method: 'GET', path: '/health' });
  request.headers.delete('authorization');
  const response = await send(testApp(), request);
  expect(response.status).toBe(200);
  expect(jsonOf(response)).toEqual({ status: 'ok' });
  expect(headerOf(response, 'request-id')).toBeDefined();
});
