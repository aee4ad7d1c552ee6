'use strict';
// What a function is handed, as JSON: the differential test serves this app under the genuine Functions
// host and under dev/runner.ts and compares what each hands the app (URL, headers, query, params, body).
const { app } = require('@azure/functions');

app.http('echo', {
  route: '{*path}',
  methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
  authLevel: 'anonymous',
  handler: async (request) => {
    const body = Buffer.from(await request.arrayBuffer());
    const headers = {};
    for (const [key, value] of request.headers) headers[key] = value;
    const query = {};
    for (const [key, value] of request.query) query[key] = value;
    const answer = {
      method: request.method,
      url: request.url,
      params: request.params,
      query,
      headers,
      bodyLength: body.length,
      bodyStart: body.subarray(0, 64).toString('latin1'),
    };
    const status = Number(request.query.get('status') ?? 200);
    const extra = {};
    if (request.query.get('connection')) extra.Connection = request.query.get('connection');
    if (status === 204 || request.query.get('empty') === '1') return { status, headers: extra };
    return { status, headers: { 'Content-Type': 'application/json', ...extra }, body: JSON.stringify(answer) };
  },
});
