import { NAMESPACE, type StructuredTypeModel, type VersionModel } from './model';

/**
 * GET /{version}/$metadata: the CSDL (OData 4.0 XML) subset of Graph's schema this API serves,
 * generated from the same model as validation and OpenAPI, so every @odata.context it writes
 * (`$metadata#deviceManagement/deviceEnrollmentConfigurations('c')/assignments/$entity`) resolves:
 * the container names the singleton or entity set, and navigation leads from there to the types.
 *
 * No token: Graph serves $metadata anonymously, and clients (Power Query's OData.Feed, code
 * generators) fetch it before they authenticate anything.
 */

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function attrs(values: Record<string, string | boolean | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined && v !== false)
    .map(([k, v]) => ` ${k}="${escape(String(v))}"`)
    .join('');
}

function structuredType(kind: 'EntityType' | 'ComplexType', t: StructuredTypeModel, indent: string): string[] {
  const head = `${indent}<${kind}${attrs({ Name: t.name, BaseType: t.baseType, Abstract: t.abstract ? 'true' : undefined, OpenType: t.openType ? 'true' : undefined })}`;
  const body: string[] = [];
  if (t.key) body.push(`${indent}  <Key>`, ...t.key.map((k) => `${indent}    <PropertyRef Name="${escape(k)}" />`), `${indent}  </Key>`);
  for (const p of t.properties) {
    body.push(`${indent}  <Property${attrs({ Name: p.name, Type: p.type, Nullable: p.nullable ? undefined : 'false' })} />`);
  }
  for (const n of t.navigation ?? []) {
    body.push(
      `${indent}  <NavigationProperty${attrs({ Name: n.name, Type: n.type, ContainsTarget: n.containsTarget ? 'true' : undefined })} />`,
    );
  }
  return body.length === 0 ? [`${head} />`] : [`${head}>`, ...body, `${indent}</${kind}>`];
}

export function buildCsdl(model: VersionModel): string {
  const i = '      ';
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    '  <edmx:DataServices>',
    `    <Schema Namespace="${NAMESPACE}" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">`,
  ];
  for (const e of model.enums) {
    lines.push(
      `${i}<EnumType${attrs({ Name: e.name, IsFlags: e.flags ? 'true' : undefined })}>`,
      ...e.members.map((m) => `${i}  <Member Name="${escape(m.name)}" Value="${m.value}" />`),
      `${i}</EnumType>`,
    );
  }
  for (const t of model.entityTypes) lines.push(...structuredType('EntityType', t, i));
  for (const t of model.complexTypes) lines.push(...structuredType('ComplexType', t, i));
  for (const a of model.actions) {
    lines.push(
      `${i}<Action Name="${escape(a.name)}" IsBound="true">`,
      `${i}  <Parameter Name="bindingParameter" Type="${escape(a.bindingType)}" />`,
      ...a.parameters.map(
        (p) => `${i}  <Parameter${attrs({ Name: p.name, Type: p.type, Nullable: p.nullable === false ? 'false' : undefined })} />`,
      ),
      `${i}</Action>`,
    );
  }
  lines.push(`${i}<EntityContainer Name="${escape(model.container.name)}">`);
  for (const s of model.container.entitySets) lines.push(`${i}  <EntitySet Name="${escape(s.name)}" EntityType="${escape(s.type)}" />`);
  for (const s of model.container.singletons) lines.push(`${i}  <Singleton Name="${escape(s.name)}" Type="${escape(s.type)}" />`);
  lines.push(`${i}</EntityContainer>`, '    </Schema>', '  </edmx:DataServices>', '</edmx:Edmx>', '');
  return lines.join('\n');
}

/** Graph answers $metadata as XML; this is the media type it sends. */
export const METADATA_CONTENT_TYPE = 'application/xml';
