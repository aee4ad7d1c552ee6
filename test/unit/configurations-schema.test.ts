import type { GraphVersion } from '../../src/graph/model';
import { createConfiguration, representation } from '../../src/configurations/entity';
import { configurationSchemasFor, parseCreate, parseSetPriority, parseUpdate } from '../../src/configurations/schema';
import { GraphError } from '../../src/graph/errors';

/** Validation of configuration bodies, per concrete type and version, as the handlers will call it. */

const T = (name: string) => `#microsoft.graph.${name}`;

/** A body Graph's documentation would accept, per concrete type, for each version that has the type. */
const VALID: Record<GraphVersion, Record<string, Record<string, unknown>>> = {
  beta: {
    deviceEnrollmentLimitConfiguration: { displayName: 'Five devices', limit: 5, roleScopeTagIds: ['0'] },
    deviceEnrollmentPlatformRestrictionsConfiguration: {
      displayName: 'Corporate only',
      iosRestriction: { platformBlocked: false, personalDeviceEnrollmentBlocked: true, osMinimumVersion: '16.0', osMaximumVersion: null },
      windowsRestriction: { '@odata.type': 'microsoft.graph.deviceEnrollmentPlatformRestriction', platformBlocked: true },
      tvosRestriction: null,
    },
    deviceEnrollmentPlatformRestrictionConfiguration: {
      displayName: 'Android',
      platformType: 'android',
      platformRestriction: {
        platformBlocked: false,
        personalDeviceEnrollmentBlocked: false,
        blockedManufacturers: ['Acme'],
        blockedSkus: [],
      },
    },
    deviceEnrollmentWindowsHelloForBusinessConfiguration: {
      pinMinimumLength: 6,
      pinMaximumLength: 12,
      pinUppercaseCharactersUsage: 'required',
      state: 'enabled',
      securityKeyForSignIn: 'disabled',
      enhancedSignInSecurity: 1,
    },
    windows10EnrollmentCompletionPageConfiguration: {
      displayName: 'ESP',
      showInstallationProgress: true,
      customErrorMessage: 'Setup could not be completed.',
      installProgressTimeoutInMinutes: 60,
      selectedMobileAppIds: ['e83d36e1-3ff2-4567-90d9-940919184ad5'],
      allowNonBlockingAppInstallation: true,
    },
    deviceComanagementAuthorityConfiguration: {
      managedDeviceAuthority: 2,
      installConfigurationManagerAgent: true,
      configurationManagerAgentCommandLineArgument: 'SMSSITECODE=ABC',
    },
    deviceEnrollmentNotificationConfiguration: {
      platformType: 'ios',
      templateType: 'push',
      notificationMessageTemplateId: 'eba3ed57-ed57-eba3-57ed-a3eb57eda3eb',
      notificationTemplates: ['Push_eba3ed57-ed57-eba3-57ed-a3eb57eda3eb'],
      brandingOptions: 'includeCompanyLogo,includeCompanyName',
      defaultLocale: 'en-US',
    },
    windowsRestoreDeviceEnrollmentConfiguration: { state: 'enabled' },
  },
  'v1.0': {
    deviceEnrollmentLimitConfiguration: { displayName: 'Five devices', limit: 5 },
    deviceEnrollmentPlatformRestrictionsConfiguration: {
      iosRestriction: { platformBlocked: false, personalDeviceEnrollmentBlocked: true, osMinimumVersion: '16.0' },
    },
    deviceEnrollmentWindowsHelloForBusinessConfiguration: { pinMinimumLength: 6, pinMaximumLength: 12, state: 'enabled' },
    windows10EnrollmentCompletionPageConfiguration: { displayName: 'ESP', allowNonBlockingAppInstallation: true },
  },
};

/** A property of each type and a value of the wrong type for it. */
const WRONG_TYPE: Record<string, [string, unknown, string]> = {
  deviceEnrollmentLimitConfiguration: ['limit', '5', 'Edm.Int32'],
  deviceEnrollmentPlatformRestrictionsConfiguration: ['iosRestriction', true, 'microsoft.graph.deviceEnrollmentPlatformRestriction'],
  deviceEnrollmentPlatformRestrictionConfiguration: ['platformType', 3, 'microsoft.graph.enrollmentRestrictionPlatformType'],
  deviceEnrollmentWindowsHelloForBusinessConfiguration: ['securityDeviceRequired', 'yes', 'Edm.Boolean'],
  windows10EnrollmentCompletionPageConfiguration: ['selectedMobileAppIds', 'one-app', 'Edm.String'],
  deviceComanagementAuthorityConfiguration: ['managedDeviceAuthority', 1.5, 'Edm.Int32'],
  deviceEnrollmentNotificationConfiguration: ['notificationMessageTemplateId', 'not-a-guid', 'Edm.Guid'],
  windowsRestoreDeviceEnrollmentConfiguration: ['state', true, 'enablement'],
};

/** Documented ranges: type, property, lowest, highest. */
const RANGES: [string, string, number, number][] = [
  ['deviceEnrollmentLimitConfiguration', 'limit', 1, 15],
  ['deviceEnrollmentWindowsHelloForBusinessConfiguration', 'pinMinimumLength', 4, 127],
  ['deviceEnrollmentWindowsHelloForBusinessConfiguration', 'pinMaximumLength', 4, 127],
  ['deviceEnrollmentWindowsHelloForBusinessConfiguration', 'pinPreviousBlockCount', 0, 50],
  ['deviceEnrollmentWindowsHelloForBusinessConfiguration', 'pinExpirationInDays', 0, 730],
  ['windows10EnrollmentCompletionPageConfiguration', 'installProgressTimeoutInMinutes', 0, 2147483647],
  ['deviceComanagementAuthorityConfiguration', 'managedDeviceAuthority', -2147483648, 2147483647],
];

function refusal(run: () => unknown): GraphError {
  try {
    run();
  } catch (e) {
    if (e instanceof GraphError) return e;
    throw e;
  }
  throw new Error('expected a GraphError, but the body was accepted');
}

/** What a create of the type must carry besides @odata.type. */
const REQUIRED: Record<string, Record<string, unknown>> = {
  deviceEnrollmentPlatformRestrictionConfiguration: { platformType: 'ios' },
  deviceEnrollmentNotificationConfiguration: { platformType: 'ios', templateType: 'email' },
};
const required = (type: string) => REQUIRED[type] ?? {};

describe.each(['beta', 'v1.0'] as const)('%s create', (version) => {
  const types = Object.keys(VALID[version]);

  it('covers every concrete type the version serves', () => {
    expect(
      configurationSchemasFor(version)
        .typeNames.map((n) => n.replace('microsoft.graph.', ''))
        .sort(),
    ).toEqual([...types].sort());
  });

  describe.each(types)('%s', (type) => {
    it('accepts a valid body, with or without the # in @odata.type, and answers it in the output schema', () => {
      for (const odataType of [T(type), `microsoft.graph.${type}`]) {
        const parsed = parseCreate(version, { '@odata.type': odataType, ...VALID[version][type] });
        expect(parsed.typeName).toBe(type);
        const stored = createConfiguration(parsed, { now: new Date('2026-01-02T03:04:05.678Z'), priority: 1 });
        const shown = representation(stored, version)!;
        expect(configurationSchemasFor(version).resources.get(type)!.safeParse(shown).success).toBe(true);
        expect(configurationSchemasFor(version).resource.safeParse(shown).success).toBe(true);
      }
    });

    it('accepts and ignores what the documentation samples send for server-set properties', () => {
      const body = {
        '@odata.type': T(type),
        ...required(type),
        id: 'ignored',
        priority: 8,
        version: 7,
        createdDateTime: '2017-01-01T00:02:43.5775965-08:00',
        lastModifiedDateTime: '2017-01-01T00:00:35.1329464-08:00',
        ...(version === 'beta' ? { deviceEnrollmentConfigurationType: 'limit' } : {}),
      };
      const stored = createConfiguration(parseCreate(version, body), { now: new Date(), priority: 3 });
      expect(stored.id).not.toBe('ignored');
      expect([stored.priority, stored.version]).toEqual([3, 1]);
      expect(stored.createdDateTime).not.toContain('2017');
    });

    it('refuses an unknown property, naming it and the type', () => {
      const e = refusal(() => parseCreate(version, { '@odata.type': T(type), ...required(type), bogusSetting: 1 }));
      expect(e.status).toBe(400);
      expect(e.message).toBe(
        `The property 'bogusSetting' does not exist on type 'microsoft.graph.${type}'. Make sure to only use property names that are defined by the type.`,
      );
    });
  });

  it('refuses the abstract base and a body without @odata.type', () => {
    for (const body of [{ '@odata.type': T('deviceEnrollmentConfiguration') }, { displayName: 'no type' }]) {
      const e = refusal(() => parseCreate(version, body));
      expect([e.status, e.code]).toEqual([400, 'BadRequest']);
      expect(e.message).toMatch(/abstract/);
      expect(e.message).toContain('microsoft.graph.deviceEnrollmentLimitConfiguration');
    }
  });

  it('refuses a type that is not a configuration, or is unknown', () => {
    for (const name of ['enrollmentConfigurationAssignment', 'deviceEnrollmentLimitConfigurationX', 'user']) {
      expect(refusal(() => parseCreate(version, { '@odata.type': T(name) })).message).toMatch(/could not be resolved/);
    }
  });
});

describe('beta create: values', () => {
  it.each(Object.entries(WRONG_TYPE))(
    '%s: a wrong type is a 400 naming the property and the expected type',
    (type, [property, value, expected]) => {
      const e = refusal(() => parseCreate('beta', { '@odata.type': T(type), ...required(type), [property]: value }));
      expect(e.status).toBe(400);
      expect(e.message).toContain(`'${property}`);
      expect(e.message).toContain(expected);
    },
  );

  it.each(RANGES)('%s.%s: %d and %d are accepted, one past either is refused', (type, property, low, high) => {
    const body = (value: number) => ({ '@odata.type': T(type), ...required(type), [property]: value });
    expect(parseCreate('beta', body(low)).values[property]).toBe(low);
    expect(parseCreate('beta', body(high)).values[property]).toBe(high);
    for (const outside of [low - 1, high + 1]) {
      const e = refusal(() => parseCreate('beta', body(outside)));
      expect(e.message).toBe(`The value ${outside} of property '${property}' is out of range: it must be from ${low} to ${high}.`);
    }
  });

  it('customErrorMessage: 10000 characters are accepted, 10001 are not', () => {
    const body = (n: number) => ({ '@odata.type': T('windows10EnrollmentCompletionPageConfiguration'), customErrorMessage: 'x'.repeat(n) });
    expect(() => parseCreate('beta', body(10000))).not.toThrow();
    expect(refusal(() => parseCreate('beta', body(10001))).message).toBe(
      "The value of property 'customErrorMessage' is longer than the maximum of 10000 characters.",
    );
  });

  it('a nested restriction is validated with its own type', () => {
    const body = (restriction: unknown) => ({
      '@odata.type': T('deviceEnrollmentPlatformRestrictionConfiguration'),
      platformType: 'ios',
      platformRestriction: restriction,
    });
    expect(refusal(() => parseCreate('beta', body({ platformBlocked: 'no' }))).message).toBe(
      "Cannot convert the literal 'no' to the expected type 'Edm.Boolean' of property 'platformRestriction/platformBlocked'.",
    );
    expect(refusal(() => parseCreate('beta', body({ blocked: true }))).message).toMatch(
      /^The property 'blocked' does not exist on type 'microsoft.graph.deviceEnrollmentPlatformRestriction'/,
    );
    expect(refusal(() => parseCreate('beta', body({ platformBlocked: null }))).message).toBe(
      "The property 'platformRestriction/platformBlocked' cannot be null.",
    );
  });

  it('non-nullable properties refuse null, nullable ones take it', () => {
    expect(refusal(() => parseCreate('beta', { '@odata.type': T('deviceEnrollmentLimitConfiguration'), limit: null })).message).toBe(
      "The property 'limit' cannot be null.",
    );
    const parsed = parseCreate('beta', {
      '@odata.type': T('deviceEnrollmentLimitConfiguration'),
      displayName: null,
      roleScopeTagIds: null,
    });
    expect(parsed.values.displayName).toBeNull();
  });

  it('a bad enum member and a bad flags member are 400s that list the members', () => {
    const restriction = refusal(() =>
      parseCreate('beta', { '@odata.type': T('deviceEnrollmentPlatformRestrictionConfiguration'), platformType: 'androidAosp' }),
    );
    expect(restriction.message).toContain("'androidAosp' is not a valid member of 'microsoft.graph.enrollmentRestrictionPlatformType'");
    const flags = refusal(() =>
      parseCreate('beta', {
        '@odata.type': T('deviceEnrollmentNotificationConfiguration'),
        platformType: 'ios',
        templateType: 'email',
        brandingOptions: 'includeCompanyLogo,glitter',
      }),
    );
    expect(flags.message).toMatch(/^The value 'glitter' in 'includeCompanyLogo,glitter' is not a valid member/);
  });

  it('the platform of a single-platform restriction and of a notification is required', () => {
    expect(refusal(() => parseCreate('beta', { '@odata.type': T('deviceEnrollmentPlatformRestrictionConfiguration') })).message).toBe(
      "The property 'platformType' is required.",
    );
    expect(
      refusal(() => parseCreate('beta', { '@odata.type': T('deviceEnrollmentNotificationConfiguration'), platformType: 'ios' })).message,
    ).toBe("The property 'templateType' is required.");
  });

  it('aospRestriction, gone from the newest metadata, is an unknown property', () => {
    const e = refusal(() =>
      parseCreate('beta', { '@odata.type': T('deviceEnrollmentPlatformRestrictionsConfiguration'), aospRestriction: null }),
    );
    expect(e.message).toMatch(/^The property 'aospRestriction' does not exist/);
  });
});

describe('v1.0 create: only v1.0 types and properties', () => {
  it('refuses beta-only types and beta-only properties', () => {
    expect(refusal(() => parseCreate('v1.0', { '@odata.type': T('deviceEnrollmentNotificationConfiguration') })).message).toMatch(
      /could not be resolved/,
    );
    for (const [type, property] of [
      ['deviceEnrollmentLimitConfiguration', 'roleScopeTagIds'],
      ['deviceEnrollmentWindowsHelloForBusinessConfiguration', 'securityKeyForSignIn'],
      ['windows10EnrollmentCompletionPageConfiguration', 'showInstallationProgress'],
      ['deviceEnrollmentPlatformRestrictionsConfiguration', 'androidForWorkRestriction'],
    ]) {
      expect(refusal(() => parseCreate('v1.0', { '@odata.type': T(type!), [property!]: null })).message).toMatch(
        new RegExp(`^The property '${property}' does not exist on type 'microsoft.graph.${type}'`),
      );
    }
    const restriction = { '@odata.type': T('deviceEnrollmentPlatformRestrictionsConfiguration'), iosRestriction: { blockedSkus: [] } };
    expect(refusal(() => parseCreate('v1.0', restriction)).message).toMatch(
      /'blockedSkus' does not exist on type 'microsoft.graph.deviceEnrollmentPlatformRestriction'/,
    );
  });
});

describe('PATCH', () => {
  const limit = T('deviceEnrollmentLimitConfiguration');

  it('is partial, and accepts @odata.type when it names the stored type', () => {
    expect(parseUpdate('beta', limit, { displayName: 'renamed' }).values).toEqual({ displayName: 'renamed' });
    expect(parseUpdate('beta', limit, { '@odata.type': 'microsoft.graph.deviceEnrollmentLimitConfiguration', limit: 3 }).values.limit).toBe(
      3,
    );
  });

  it('refuses another type in @odata.type', () => {
    const e = refusal(() => parseUpdate('beta', limit, { '@odata.type': T('windows10EnrollmentCompletionPageConfiguration') }));
    expect(e.message).toMatch(/does not match the configuration's type 'microsoft.graph.deviceEnrollmentLimitConfiguration'/);
  });

  it('validates like a create: ranges, types, unknown properties', () => {
    expect(refusal(() => parseUpdate('beta', limit, { limit: 16 })).message).toMatch(/out of range/);
    expect(refusal(() => parseUpdate('beta', limit, { limit: 'many' })).message).toMatch(/Edm.Int32/);
    expect(refusal(() => parseUpdate('beta', limit, { pinMinimumLength: 6 })).message).toMatch(
      /^The property 'pinMinimumLength' does not exist/,
    );
  });

  it('accepts the server-set properties a client echoes from a GET (the entity ignores them)', () => {
    const echoed = {
      id: 'x',
      priority: 4,
      version: 9,
      createdDateTime: '0001-01-01T00:00:00Z',
      deviceEnrollmentConfigurationType: 'limit',
    };
    expect(() => parseUpdate('beta', limit, echoed)).not.toThrow();
  });

  it('does not require what a create requires', () => {
    expect(() => parseUpdate('beta', T('deviceEnrollmentPlatformRestrictionConfiguration'), { displayName: 'x' })).not.toThrow();
  });
});

describe('setPriority parameters', () => {
  it('takes an Int32 priority', () => {
    expect(parseSetPriority('beta', { priority: 2 })).toBe(2);
    expect(parseSetPriority('v1.0', { priority: 2147483647 })).toBe(2147483647);
  });

  it.each([
    [{}, "The parameter 'priority' is required for the operation 'setPriority'."],
    [{ priority: null }, "The parameter 'priority' cannot be null."],
    [{ priority: '2' }, "Cannot convert the literal '2' to the expected type 'Edm.Int32' of parameter 'priority'."],
    [{ priority: 2.5 }, "Cannot convert the literal 2.5 to the expected type 'Edm.Int32' of parameter 'priority'."],
    [{ priority: 2147483648 }, "The value 2147483648 of parameter 'priority' is out of range: it must be from -2147483648 to 2147483647."],
    [
      { priority: 1, extra: true },
      "The parameter 'extra' in the request payload is not a valid parameter for the operation 'setPriority'.",
    ],
  ])('%j is a 400: %s', (body, message) => {
    expect(refusal(() => parseSetPriority('beta', body as Record<string, unknown>)).message).toBe(message);
  });
});
