import { defaultConfigurations } from '../../src/configurations/defaults';
import { createConfiguration, type StoredConfiguration } from '../../src/configurations/entity';
import { parseFilter } from '../../src/configurations/filter';
import { parseConfigurationQuery, parseTypeCast, runQuery, type ConfigurationQuery } from '../../src/configurations/query';
import { parseCreate } from '../../src/configurations/schema';
import { GraphError } from '../../src/graph/errors';

/** OData on the configurations collection, against an in-memory tenant. */

const BASE = 'https://graph.microsoft.com/beta/deviceManagement/deviceEnrollmentConfigurations';
const T = (name: string) => `#microsoft.graph.${name}`;
const TENANT = 'tenant-1';

let counter = 0;
function make(type: string, priority: number, values: Record<string, unknown> = {}): StoredConfiguration {
  const parsed = parseCreate('beta', { '@odata.type': T(type), ...values });
  return createConfiguration(parsed, { id: `id-${String(++counter).padStart(2, '0')}`, now: new Date(), priority });
}

const tenant: StoredConfiguration[] = [
  ...defaultConfigurations(TENANT, new Date('2026-01-01T00:00:00Z')),
  make('deviceEnrollmentLimitConfiguration', 1, { displayName: 'Contoso limit', limit: 3 }),
  make('deviceEnrollmentLimitConfiguration', 2, { displayName: "Sales' limit", limit: 10 }),
  make('windows10EnrollmentCompletionPageConfiguration', 1, { displayName: 'Contoso ESP' }),
  make('windows10EnrollmentCompletionPageConfiguration', 2, { displayName: 'Kiosk ESP' }),
  make('deviceEnrollmentPlatformRestrictionConfiguration', 1, { displayName: 'iOS corporate', platformType: 'ios' }),
  make('deviceEnrollmentNotificationConfiguration', 1, { displayName: null, platformType: 'windows', templateType: 'email' }),
];

function query(search: string, scope: { collection?: boolean; castType?: string; version?: 'beta' | 'v1.0' } = {}): ConfigurationQuery {
  return parseConfigurationQuery(new URL(`${BASE}${search}`), scope.version ?? 'beta', {
    collection: scope.collection ?? true,
    castType: scope.castType,
  });
}

const names = (search: string, scope: Parameters<typeof query>[1] = {}) =>
  runQuery(tenant, query(search, scope), scope.version ?? 'beta').value.map((c) => c.displayName);

function refusal(run: () => unknown): GraphError {
  try {
    run();
  } catch (e) {
    if (e instanceof GraphError) return e;
    throw e;
  }
  throw new Error('expected a GraphError');
}

describe('$filter', () => {
  it('eq on displayName, id and deviceEnrollmentConfigurationType', () => {
    expect(names("?$filter=displayName eq 'Kiosk ESP'")).toEqual(['Kiosk ESP']);
    expect(names("?$filter=displayName eq 'Sales'' limit'")).toEqual(["Sales' limit"]);
    expect(names("?$filter=id eq 'id-01'")).toEqual(['Contoso limit']);
    expect(names("?$filter=deviceEnrollmentConfigurationType eq 'limit'&$orderby=priority")).toEqual([
      'All users and all devices',
      'Contoso limit',
      "Sales' limit",
    ]);
    expect(
      names("?$filter=deviceEnrollmentConfigurationType eq microsoft.graph.deviceEnrollmentConfigurationType'singlePlatformRestriction'"),
    ).toEqual(['iOS corporate']);
    expect(names('?$filter=displayName eq null')).toEqual([null]);
  });

  it('startswith, isof, and, or and parentheses', () => {
    expect(names("?$filter=startswith(displayName,'Contoso')")).toEqual(['Contoso limit', 'Contoso ESP']);
    expect(names("?$filter=isof('microsoft.graph.windows10EnrollmentCompletionPageConfiguration')&$orderby=priority")).toEqual([
      'All users and all devices',
      'Contoso ESP',
      'Kiosk ESP',
    ]);
    expect(
      names(
        "?$filter=(isof('microsoft.graph.deviceEnrollmentLimitConfiguration') or isof('microsoft.graph.windows10EnrollmentCompletionPageConfiguration')) and startswith(displayName, 'Contoso')",
      ),
    ).toEqual(['Contoso limit', 'Contoso ESP']);
    expect(names("?$filter=displayName eq 'Kiosk ESP' or id eq 'id-02' and displayName eq 'nothing'")).toEqual(['Kiosk ESP']);
    expect(names("?$filter=isof('microsoft.graph.deviceEnrollmentConfiguration')").length).toBe(tenant.length);
  });

  it('keywords and function names in any case, as Graph reads them', () => {
    expect(names("?$filter=startsWith(displayName,'Kiosk') AND id eq 'id-04'")).toEqual(['Kiosk ESP']);
  });

  it.each([
    ["displayName ne 'x'", /the operator 'ne' is not supported/],
    ["endswith(displayName,'x')", /the function 'endswith' is not supported/],
    ["contains(displayName,'x')", /the function 'contains' is not supported/],
    ['priority eq 1', /filtering on 'priority' is not supported/],
    ["limit eq '5'", /Could not find a property named 'limit' on type 'microsoft.graph.deviceEnrollmentConfiguration'/],
    ["displayName eq 'unterminated", /string literal is not closed/],
    ["(displayName eq 'x'", /where '\)' was expected|'\)'/],
    ["displayName eq 'x' displayName", /is not expected here/],
    ["deviceEnrollmentConfigurationType eq 'bogus'", /'bogus' is not a member of/],
    ["isof('microsoft.graph.user')", /not a configuration type/],
    ['', /the filter is empty/],
    ["not (displayName eq 'x')", /'\(' is not expected|not supported/],
  ])('%s is a 400', (filter, message) => {
    const e = refusal(() => query(`?$filter=${encodeURIComponent(filter)}`));
    expect([e.status, e.code]).toEqual([400, 'BadRequest']);
    expect(e.message).toMatch(message);
  });

  it('bounds how deep parentheses go', () => {
    const deep = `${'('.repeat(40)}id eq 'x'${')'.repeat(40)}`;
    expect(refusal(() => parseFilter(deep, 'beta')).message).toMatch(/nested more than/);
  });

  it('v1.0 has no deviceEnrollmentConfigurationType to filter on, nor beta-only types for isof', () => {
    expect(refusal(() => query("?$filter=deviceEnrollmentConfigurationType eq 'limit'", { version: 'v1.0' })).message).toMatch(
      /Could not find a property named 'deviceEnrollmentConfigurationType'/,
    );
    expect(
      refusal(() => query("?$filter=isof('microsoft.graph.windowsRestoreDeviceEnrollmentConfiguration')", { version: 'v1.0' })).status,
    ).toBe(400);
  });
});

describe('$orderby, $top, $skiptoken, $count', () => {
  it('orders by priority then displayName, asc or desc, ties by id', () => {
    const ordered = names(
      "?$filter=startswith(displayName,'Contoso') or startswith(displayName,'Kiosk')&$orderby=priority desc,displayName",
    );
    expect(ordered).toEqual(['Kiosk ESP', 'Contoso ESP', 'Contoso limit']);
    expect(names("?$filter=isof('microsoft.graph.deviceEnrollmentLimitConfiguration')&$orderby=displayName desc")).toEqual([
      "Sales' limit",
      'Contoso limit',
      'All users and all devices',
    ]);
  });

  it('refuses other properties and forms', () => {
    for (const orderby of ['limit', 'id', 'priority sideways', 'displayName asc desc']) {
      expect(refusal(() => query(`?$orderby=${encodeURIComponent(orderby)}`)).message).toMatch(/only priority and displayName/);
    }
  });

  it('pages with $top and a $skiptoken that survives a create and a delete between pages', () => {
    const q = query('?$orderby=displayName&$top=4&$count=true');
    const first = runQuery(tenant, q, 'beta');
    expect(first.value.length).toBe(4);
    expect(first.count).toBe(tenant.length);
    expect(first.nextSkipToken).toBeDefined();
    // Between pages, one configuration that was already read goes away and one sorting before the cursor arrives.
    const changed = [
      ...tenant.filter((c) => c.id !== first.value[0]!.id),
      make('deviceEnrollmentLimitConfiguration', 3, { displayName: 'AAA' }),
    ];
    const rest: (string | null)[] = [];
    let token = first.nextSkipToken;
    while (token) {
      const page = runQuery(changed, query(`?$orderby=displayName&$top=4&$skiptoken=${token}`), 'beta');
      rest.push(...page.value.map((c) => c.displayName as string | null));
      token = page.nextSkipToken;
    }
    const all = runQuery(tenant, query('?$orderby=displayName&$top=999'), 'beta').value.map((c) => c.displayName);
    expect([...first.value.map((c) => c.displayName), ...rest]).toEqual(all);
  });

  it('refuses a $skiptoken that is not one of its own, or was made for another $orderby', () => {
    const token = runQuery(tenant, query('?$orderby=priority&$top=2'), 'beta').nextSkipToken!;
    expect(refusal(() => runQuery(tenant, query(`?$orderby=displayName&$skiptoken=${token}`), 'beta')).status).toBe(400);
    expect(refusal(() => runQuery(tenant, query('?$skiptoken=garbage'), 'beta')).message).toMatch(/\$skiptoken/);
  });

  it('refuses a $skiptoken edited by hand, or sent with another $filter or cast than the query it pages', () => {
    const search = "?$orderby=displayName&$top=2&$filter=startswith(displayName,'C') or startswith(displayName,'K')";
    const token = runQuery(tenant, query(search), 'beta').nextSkipToken!;
    expect(runQuery(tenant, query(`${search}&$skiptoken=${token}`), 'beta').value.length).toBeGreaterThan(0);
    // The position moved to the end by hand, the checksum kept: the token no longer matches it.
    const [payload, checksum] = token.split('.');
    const edited = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as { k: unknown[] };
    edited.k[0] = 'zzz';
    const tampered = `${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${checksum}`;
    expect(refusal(() => runQuery(tenant, query(`${search}&$skiptoken=${tampered}`), 'beta')).status).toBe(400);
    const otherFilter = "?$orderby=displayName&$top=2&$filter=startswith(displayName,'C')";
    expect(refusal(() => runQuery(tenant, query(`${otherFilter}&$skiptoken=${token}`), 'beta')).status).toBe(400);
    const cast = query(`?$orderby=displayName&$skiptoken=${token}`, { castType: 'deviceEnrollmentLimitConfiguration' });
    expect(refusal(() => runQuery(tenant, cast, 'beta')).message).toMatch(/\$skiptoken/);
  });

  it('$top must be 1 to 999 and $count true or false', () => {
    for (const top of ['0', '1000', '-1', 'ten']) expect(refusal(() => query(`?$top=${top}`)).message).toMatch(/'\$top'/);
    expect(refusal(() => query('?$count=yes')).message).toMatch(/'\$count'/);
    expect(query('?$count=TRUE').count).toBe(true);
  });
});

describe('$select and $expand', () => {
  it('$select takes the addressed type’s properties (the base’s on the collection)', () => {
    expect(query('?$select=displayName,priority').select).toEqual(['displayName', 'priority']);
    expect(refusal(() => query('?$select=limit')).message).toBe(
      "Could not find a property named 'limit' on type 'microsoft.graph.deviceEnrollmentConfiguration'.",
    );
    expect(query('?$select=limit', { castType: 'deviceEnrollmentLimitConfiguration' }).select).toEqual(['limit']);
  });

  it('$expand=assignments only, without nested options', () => {
    expect(query('?$expand=assignments').expandAssignments).toBe(true);
    expect(query('?$expand=assignments', { collection: false }).expandAssignments).toBe(true);
    expect(refusal(() => query('?$expand=*')).message).toMatch(/only 'assignments'/);
    expect(refusal(() => query('?$expand=assignments($select=id)')).message).toMatch(/options inside \$expand/);
  });
});

describe('options Graph does not support here', () => {
  it.each(['$search=x', '$skip=1', '$format=json', '$apply=x'])('%s is a 400', (option) => {
    expect(refusal(() => query(`?${option}`)).message).toBe(`The query parameter '${option.split('=')[0]}' is not supported.`);
  });

  it('one configuration takes $select and $expand only', () => {
    expect(refusal(() => query("?$filter=id eq 'x'", { collection: false })).message).toBe(
      "The query parameter '$filter' is not supported.",
    );
  });

  it('an option given twice is a 400; parameters that are not options are ignored', () => {
    expect(refusal(() => query('?$top=1&$TOP=2')).message).toMatch(/more than once/);
    expect(query('?api-version=1&$top=2').top).toBe(2);
  });
});

describe('type-cast segments', () => {
  it('narrow the collection to the type', () => {
    const cast = parseTypeCast('microsoft.graph.windows10EnrollmentCompletionPageConfiguration', 'beta');
    expect(names('?$orderby=priority', { castType: cast })).toEqual(['All users and all devices', 'Contoso ESP', 'Kiosk ESP']);
  });

  it("are Graph's unknown-segment 400 when the type is not a configuration type of the version", () => {
    for (const [segment, version] of [
      ['microsoft.graph.user', 'beta'],
      ['windows10EnrollmentCompletionPageConfiguration', 'beta'],
      ['microsoft.graph.deviceEnrollmentNotificationConfiguration', 'v1.0'],
    ] as const) {
      expect(refusal(() => parseTypeCast(segment, version)).message).toBe(`Resource not found for the segment '${segment}'.`);
    }
  });
});

describe('versions', () => {
  it('v1.0 lists only the configurations whose type v1.0 has', () => {
    const v1 = runQuery(tenant, query('?$top=999', { version: 'v1.0' }), 'v1.0').value.map((c) => c['@odata.type']);
    expect(v1).not.toContain(T('deviceEnrollmentNotificationConfiguration'));
    expect(v1).not.toContain(T('windowsRestoreDeviceEnrollmentConfiguration'));
    expect(v1).toContain(T('deviceEnrollmentLimitConfiguration'));
  });
});
