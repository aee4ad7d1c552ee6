import {
  changed,
  createConfiguration,
  FIRST_VERSION,
  graphTimestamp,
  newConfigurationId,
  patchConfiguration,
  representation,
  TYPE_FACTS,
  type StoredConfiguration,
} from '../../src/configurations/entity';
import { configurationSchemasFor, parseCreate, parseUpdate } from '../../src/configurations/schema';
import { concreteTypes } from '../../src/configurations/types';
import { GraphError } from '../../src/graph/errors';

/** Server-set values, defaults for what a create leaves out, PATCH, and what each version shows. */

const T = (name: string) => `#microsoft.graph.${name}`;
const NOW = new Date('2026-03-04T05:06:07.891Z');
const LATER = new Date('2026-03-05T00:00:00.000Z');

/** What a create of the type must carry besides @odata.type. */
const REQUIRED: Record<string, Record<string, unknown>> = {
  deviceEnrollmentPlatformRestrictionConfiguration: { platformType: 'ios' },
  deviceEnrollmentNotificationConfiguration: { platformType: 'ios', templateType: 'email' },
};

function create(body: Record<string, unknown>, version: 'beta' | 'v1.0' = 'beta'): StoredConfiguration {
  return createConfiguration(parseCreate(version, body), { now: NOW, priority: 2 });
}

function graphError(run: () => unknown): GraphError {
  try {
    run();
  } catch (e) {
    if (e instanceof GraphError) return e;
    throw e;
  }
  throw new Error('expected a GraphError');
}

describe('ids', () => {
  it('are a new GUID and the type suffix Intune uses', () => {
    expect(newConfigurationId('deviceEnrollmentLimitConfiguration', '4f8c4e4c-4e4c-4f8c-4c4e-8c4f4c4e8c4f')).toBe(
      '4f8c4e4c-4e4c-4f8c-4c4e-8c4f4c4e8c4f_Limit',
    );
    expect(newConfigurationId('#microsoft.graph.windows10EnrollmentCompletionPageConfiguration', 'g')).toBe(
      'g_Windows10EnrollmentCompletionPageConfiguration',
    );
    expect(newConfigurationId('deviceEnrollmentPlatformRestrictionConfiguration', 'g')).toBe('g_SinglePlatformRestriction');
    expect(newConfigurationId('deviceEnrollmentNotificationConfiguration', 'g')).toBe('g_deviceEnrollmentNotificationConfiguration');
  });

  it('differ on every create, whatever id the body sent', () => {
    const a = create({ '@odata.type': T('deviceEnrollmentLimitConfiguration'), id: 'mine' });
    const b = create({ '@odata.type': T('deviceEnrollmentLimitConfiguration'), id: 'mine' });
    expect(a.id).not.toBe(b.id);
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}_Limit$/);
  });

  it('every concrete type has its facts', () => {
    expect(
      concreteTypes('beta')
        .map((t) => t.name)
        .sort(),
    ).toEqual(Object.keys(TYPE_FACTS).sort());
  });
});

describe('server-set values on create', () => {
  it('timestamps are UTC with seven fractional digits, created = last modified; version starts at 1', () => {
    const c = create({ '@odata.type': T('deviceEnrollmentLimitConfiguration'), limit: 3 });
    expect(graphTimestamp(NOW)).toBe('2026-03-04T05:06:07.8910000Z');
    expect([c.createdDateTime, c.lastModifiedDateTime, c.version, c.priority]).toEqual([
      '2026-03-04T05:06:07.8910000Z',
      '2026-03-04T05:06:07.8910000Z',
      FIRST_VERSION,
      2,
    ]);
  });

  it.each(Object.entries(TYPE_FACTS).map(([type, facts]) => [type, facts.configurationType]))(
    '%s answers deviceEnrollmentConfigurationType %s, whatever the body said',
    (type, configurationType) => {
      const c = create({ '@odata.type': T(type), ...(REQUIRED[type] ?? {}), deviceEnrollmentConfigurationType: 'unknown' });
      expect(c.deviceEnrollmentConfigurationType).toBe(configurationType);
    },
  );

  it('fills what a create leaves out: the default scope tag, Windows Hello as the tenant default, ESP per its documentation', () => {
    const hello = create({ '@odata.type': T('deviceEnrollmentWindowsHelloForBusinessConfiguration') });
    expect(hello).toMatchObject({ roleScopeTagIds: ['0'], pinMinimumLength: 6, pinMaximumLength: 127, state: 'notConfigured' });
    const esp = create({ '@odata.type': T('windows10EnrollmentCompletionPageConfiguration') });
    expect(esp).toMatchObject({ installProgressTimeoutInMinutes: 60, showInstallationProgress: false, selectedMobileAppIds: [] });
  });

  it('completes a restriction that leaves properties out, and drops its @odata.type', () => {
    const c = create({
      '@odata.type': T('deviceEnrollmentPlatformRestrictionConfiguration'),
      platformType: 'ios',
      platformRestriction: { '@odata.type': '#microsoft.graph.deviceEnrollmentPlatformRestriction', personalDeviceEnrollmentBlocked: true },
    });
    expect(c.platformRestriction).toEqual({
      platformBlocked: false,
      personalDeviceEnrollmentBlocked: true,
      osMinimumVersion: null,
      osMaximumVersion: null,
      blockedManufacturers: [],
      blockedSkus: [],
    });
  });

  it('a PIN minimum above the maximum is a 400, also when the maximum is the default one left in place', () => {
    const type = T('deviceEnrollmentWindowsHelloForBusinessConfiguration');
    expect(graphError(() => create({ '@odata.type': type, pinMinimumLength: 10, pinMaximumLength: 8 })).message).toMatch(
      /'pinMinimumLength' is greater than .* 'pinMaximumLength'/,
    );
    expect(graphError(() => create({ '@odata.type': type, pinMaximumLength: 4 })).status).toBe(400);
    expect(create({ '@odata.type': type, pinMinimumLength: 8, pinMaximumLength: 8 }).pinMinimumLength).toBe(8);
  });

  it('a v1.0 create stores beta defaults for what v1.0 cannot send', () => {
    const c = create({ '@odata.type': T('windows10EnrollmentCompletionPageConfiguration'), allowNonBlockingAppInstallation: true }, 'v1.0');
    expect(c).toMatchObject({ allowNonBlockingAppInstallation: true, showInstallationProgress: false, roleScopeTagIds: ['0'] });
  });
});

describe('PATCH', () => {
  const esp = () =>
    create({ '@odata.type': T('windows10EnrollmentCompletionPageConfiguration'), displayName: 'ESP', installProgressTimeoutInMinutes: 30 });

  it('replaces what it sends, keeps the rest, bumps version and lastModifiedDateTime, keeps createdDateTime', () => {
    const before = esp();
    const after = patchConfiguration(before, parseUpdate('beta', before['@odata.type'], { displayName: 'Renamed' }), LATER);
    expect(after).toMatchObject({ displayName: 'Renamed', installProgressTimeoutInMinutes: 30, version: 2 });
    expect(after.lastModifiedDateTime).toBe('2026-03-05T00:00:00.0000000Z');
    expect(after.createdDateTime).toBe(before.createdDateTime);
  });

  it('ignores the server-set properties a client echoes back', () => {
    const before = esp();
    const echoed = {
      id: 'other',
      priority: 9,
      version: 40,
      createdDateTime: '2000-01-01T00:00:00Z',
      deviceEnrollmentConfigurationType: 'limit',
    };
    const after = patchConfiguration(before, parseUpdate('beta', before['@odata.type'], echoed), LATER);
    expect([after.id, after.priority, after.version, after.createdDateTime, after.deviceEnrollmentConfigurationType]).toEqual([
      before.id,
      before.priority,
      before.version + 1,
      before.createdDateTime,
      'windows10EnrollmentCompletionPageConfiguration',
    ]);
  });

  it('checks the PIN lengths against the stored values', () => {
    const hello = create({
      '@odata.type': T('deviceEnrollmentWindowsHelloForBusinessConfiguration'),
      pinMinimumLength: 8,
      pinMaximumLength: 10,
    });
    expect(
      graphError(() => patchConfiguration(hello, parseUpdate('beta', hello['@odata.type'], { pinMaximumLength: 7 }), LATER)).status,
    ).toBe(400);
    expect(patchConfiguration(hello, parseUpdate('beta', hello['@odata.type'], { pinMaximumLength: 8 }), LATER).pinMaximumLength).toBe(8);
  });

  it('refuses a change of platform (it fixes the priority order) but accepts the same platform sent again', () => {
    const single = create({ '@odata.type': T('deviceEnrollmentPlatformRestrictionConfiguration'), platformType: 'ios' });
    const patch = (body: Record<string, unknown>) => patchConfiguration(single, parseUpdate('beta', single['@odata.type'], body), LATER);
    expect(graphError(() => patch({ platformType: 'android' })).message).toMatch(
      /'platformType' cannot be changed from 'ios' to 'android'/,
    );
    expect(patch({ platformType: 'ios', displayName: 'x' }).displayName).toBe('x');
  });

  it('changed() is what an assign moves too', () => {
    const c = esp();
    expect(changed(c, LATER)).toEqual({ version: 2, lastModifiedDateTime: '2026-03-05T00:00:00.0000000Z' });
  });
});

describe('representation', () => {
  it("beta shows every beta property in Graph's order, after @odata.type and id", () => {
    const c = create({ '@odata.type': T('deviceEnrollmentLimitConfiguration'), displayName: 'Five', limit: 5 });
    expect(Object.keys(representation(c, 'beta')!)).toEqual([
      '@odata.type',
      'id',
      'displayName',
      'description',
      'priority',
      'createdDateTime',
      'lastModifiedDateTime',
      'version',
      'roleScopeTagIds',
      'deviceEnrollmentConfigurationType',
      'limit',
    ]);
  });

  it('v1.0 leaves out what v1.0 does not have, nested restrictions included', () => {
    const c = create({
      '@odata.type': T('deviceEnrollmentPlatformRestrictionsConfiguration'),
      iosRestriction: { platformBlocked: true, blockedSkus: ['x'] },
      androidForWorkRestriction: { platformBlocked: true },
    });
    const v1 = representation(c, 'v1.0')!;
    expect(v1).not.toHaveProperty('roleScopeTagIds');
    expect(v1).not.toHaveProperty('deviceEnrollmentConfigurationType');
    expect(v1).not.toHaveProperty('androidForWorkRestriction');
    expect(v1.iosRestriction).toEqual({
      platformBlocked: true,
      personalDeviceEnrollmentBlocked: false,
      osMinimumVersion: null,
      osMaximumVersion: null,
    });
    expect(configurationSchemasFor('v1.0').resource.safeParse(v1).success).toBe(true);
  });

  it('is undefined in v1.0 for a type only beta has', () => {
    const c = create({ '@odata.type': T('windowsRestoreDeviceEnrollmentConfiguration') });
    expect(representation(c, 'v1.0')).toBeUndefined();
    expect(representation(c, 'beta')).toBeDefined();
  });

  it('fills a property a stored row predates with its default, so old rows still answer in the schema', () => {
    const c = create({ '@odata.type': T('windows10EnrollmentCompletionPageConfiguration') });
    delete c.installQualityUpdates;
    const shown = representation(c, 'beta')!;
    expect(shown.installQualityUpdates).toBe(false);
    expect(configurationSchemasFor('beta').resource.safeParse(shown).success).toBe(true);
  });
});
