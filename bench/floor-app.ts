/**
 * The Functions programming model with nothing behind it: one HTTP function on the app's POST route
 * that echoes the body with 201. Served by the runner (`npm run bench:compare -- floor ...`), it
 * measures what the runner, node:http and @azure/functions cost per request before any app code runs.
 */
import { app } from '@azure/functions';

app.http('floor', {
  route: 'beta/invitations/{invitationsId}/invitedUser/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: async (request) => ({ status: 201, headers: { 'Content-Type': 'application/json' }, body: await request.text() }),
});
