import type { GraphVersion } from '../graph/model';
import { badRequest } from '../graph/errors';
import { CONFIGURATION_BASE_TYPE } from './model';
import { configurationType, enumType, isOfType, localTypeName, propertiesOf, qualified } from './types';

/**
 * $filter on a tenant's configurations: `eq` on displayName, deviceEnrollmentConfigurationType and id,
 * `startswith(property, 'text')`, `isof('microsoft.graph.type')`, `and`, `or` and parentheses, parsed
 * into a tree and evaluated in memory (a tenant has tens of configurations, read in one query).
 * Anything else is Graph's 400, never silently ignored.
 */

export type FilterNode =
  | { op: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { op: 'eq'; property: string; value: string | null }
  | { op: 'startswith'; property: string; value: string }
  | { op: 'isof'; type: string };

export const FILTERABLE = ['displayName', 'deviceEnrollmentConfigurationType', 'id'] as const;

const SUPPORTED =
  "only 'eq' comparisons with a string literal on displayName, deviceEnrollmentConfigurationType and id, startswith(property, 'text'), " +
  "isof('microsoft.graph.type'), 'and', 'or' and parentheses are supported.";

const unsupported = (detail: string) => badRequest(`Invalid filter clause: ${detail} ${SUPPORTED}`);

/** Deep enough for any real filter; bounds the parser's recursion on hostile input. */
const MAX_DEPTH = 32;

type Token =
  | { kind: 'name'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'punct'; text: '(' | ')' | ',' };

function tokenize(raw: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < raw.length) {
    const c = raw[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else if (c === "'") {
      let text = '';
      i++;
      for (;;) {
        if (i >= raw.length) throw badRequest('Invalid filter clause: a string literal is not closed.');
        if (raw[i] === "'") {
          if (raw[i + 1] === "'") {
            text += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += raw[i];
        i++;
      }
      tokens.push({ kind: 'string', text });
    } else if (/[-\d]/.test(c)) {
      // Numbers are read so that a comparison with one is refused for what it is, not as a stray character.
      const m = /^-?\d+(\.\d+)?/.exec(raw.slice(i));
      if (!m) throw unsupported(`'${c}' is not expected at position ${i}.`);
      tokens.push({ kind: 'number', text: m[0] });
      i += m[0].length;
    } else {
      const m = /^[A-Za-z_][\w./]*/.exec(raw.slice(i));
      if (!m) throw unsupported(`'${c}' is not expected at position ${i}.`);
      const name = m[0];
      i += name.length;
      // An enum literal written with its type: microsoft.graph.deviceEnrollmentConfigurationType'limit'.
      if (raw[i] === "'" && name.includes('.')) {
        const end = raw.indexOf("'", i + 1);
        if (end < 0) throw badRequest('Invalid filter clause: a string literal is not closed.');
        tokens.push({ kind: 'string', text: raw.slice(i + 1, end) });
        i = end + 1;
      } else {
        tokens.push({ kind: 'name', text: name });
      }
    }
  }
  return tokens;
}

class Parser {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly version: GraphVersion,
  ) {}

  parse(): FilterNode {
    if (this.tokens.length === 0) throw unsupported('the filter is empty.');
    const node = this.or(0);
    const rest = this.tokens[this.at];
    if (rest) throw unsupported(`'${rest.text}' is not expected here.`);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  private next(what: string): Token {
    const t = this.tokens[this.at++];
    if (!t) throw unsupported(`the filter ends where ${what} was expected.`);
    return t;
  }

  private expect(text: '(' | ')' | ','): void {
    const t = this.next(`'${text}'`);
    if (t.kind !== 'punct' || t.text !== text) throw unsupported(`'${t.text}' is not expected where '${text}' was.`);
  }

  private keyword(word: string): boolean {
    const t = this.peek();
    if (t?.kind === 'name' && t.text.toLowerCase() === word) {
      this.at++;
      return true;
    }
    return false;
  }

  private or(depth: number): FilterNode {
    let left = this.and(depth);
    while (this.keyword('or')) left = { op: 'or', left, right: this.and(depth) };
    return left;
  }

  private and(depth: number): FilterNode {
    let left = this.primary(depth);
    while (this.keyword('and')) left = { op: 'and', left, right: this.primary(depth) };
    return left;
  }

  private primary(depth: number): FilterNode {
    if (depth > MAX_DEPTH) throw badRequest(`Invalid filter clause: parentheses are nested more than ${MAX_DEPTH} deep.`);
    const t = this.next('a comparison');
    if (t.kind === 'punct' && t.text === '(') {
      const inner = this.or(depth + 1);
      this.expect(')');
      return inner;
    }
    if (t.kind !== 'name') throw unsupported(`'${t.text}' is not expected where a comparison was.`);
    const name = t.text.toLowerCase();
    const call = this.peek()?.text === '(';
    if (call && name === 'startswith') {
      this.expect('(');
      const property = this.property(this.next('a property'));
      this.expect(',');
      const value = this.next('a string literal');
      if (value.kind !== 'string') throw unsupported(`startswith needs a string literal, not '${value.text}'.`);
      this.expect(')');
      return { op: 'startswith', property, value: value.text };
    }
    if (call && name === 'isof') {
      this.expect('(');
      const arg = this.next('a type name');
      this.expect(')');
      if (arg.kind === 'punct') throw unsupported(`isof needs a type name, not '${arg.text}'.`);
      return { op: 'isof', type: this.typeName(arg.text) };
    }
    if (call) throw unsupported(`the function '${t.text}' is not supported.`);
    const property = this.property(t);
    const operator = this.next("'eq'");
    if (operator.kind !== 'name' || operator.text.toLowerCase() !== 'eq') {
      throw unsupported(`the operator '${operator.text}' is not supported.`);
    }
    const literal = this.next('a literal');
    if (literal.kind === 'name' && literal.text === 'null') return { op: 'eq', property, value: null };
    if (literal.kind !== 'string') throw unsupported(`'${literal.text}' is not a string literal.`);
    if (property === 'deviceEnrollmentConfigurationType') this.enumMember(literal.text);
    return { op: 'eq', property, value: literal.text };
  }

  private property(t: Token): string {
    if (t.kind !== 'name') throw unsupported(`'${t.text}' is not a property.`);
    const base = configurationType(this.version, CONFIGURATION_BASE_TYPE)!;
    const known = t.text === 'id' || propertiesOf(this.version, base).some((p) => p.name === t.text);
    if (!known) throw badRequest(`Could not find a property named '${t.text}' on type '${qualified(CONFIGURATION_BASE_TYPE)}'.`);
    if (!(FILTERABLE as readonly string[]).includes(t.text)) throw unsupported(`filtering on '${t.text}' is not supported.`);
    return t.text;
  }

  private typeName(text: string): string {
    const type = configurationType(this.version, text);
    if (!type || !/^microsoft\.graph\./.test(text)) {
      throw badRequest(`Invalid filter clause: the type '${text}' in isof is not a configuration type of ${this.version}.`);
    }
    return type.name;
  }

  private enumMember(value: string): void {
    const members = enumType(this.version, 'deviceEnrollmentConfigurationType')!.members.map((m) => m.name);
    if (!members.includes(value)) {
      throw badRequest(
        `Invalid filter clause: '${value}' is not a member of 'microsoft.graph.deviceEnrollmentConfigurationType'. It must be one of: ${members.join(', ')}.`,
      );
    }
  }
}

export function parseFilter(raw: string, version: GraphVersion): FilterNode {
  return new Parser(tokenize(raw), version).parse();
}

/** Whether a stored configuration satisfies the filter (string comparisons are exact, as OData's are). */
export function matches(node: FilterNode, configuration: Record<string, unknown>, version: GraphVersion): boolean {
  switch (node.op) {
    case 'and':
      return matches(node.left, configuration, version) && matches(node.right, configuration, version);
    case 'or':
      return matches(node.left, configuration, version) || matches(node.right, configuration, version);
    case 'eq':
      return (configuration[node.property] ?? null) === node.value;
    case 'startswith': {
      const value = configuration[node.property];
      return typeof value === 'string' && value.startsWith(node.value);
    }
    case 'isof':
      return isOfType(version, localTypeName(String(configuration['@odata.type'])), node.type);
  }
}
