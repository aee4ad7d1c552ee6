import { bodyText, h } from './dom';
import type { TenantState } from './types';

/** A tenant's configurations and assignments as stored now. */

/** Every type here is Graph's: its namespace says nothing. */
const GRAPH_TYPE_PREFIX = /^#?microsoft\.graph\./;

/** A stored value as a table cell shows it. */
function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function configurations(state: TenantState): HTMLElement {
  if (state.configurations.length === 0) return h('p', { class: 'muted' }, 'No configurations stored.');
  return h(
    'table',
    { class: 'grid' },
    h('caption', {}, `Configurations (${state.configurations.length})`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Id'),
        h('th', { scope: 'col' }, 'Name'),
        h('th', { scope: 'col' }, 'Type'),
        h('th', { scope: 'col' }, 'Priority'),
      ),
    ),
    h(
      'tbody',
      {},
      ...state.configurations.map((c) =>
        h(
          'tr',
          { 'data-configuration-id': c.id },
          h('td', {}, h('details', {}, h('summary', {}, h('code', {}, c.id)), h('pre', { tabindex: 0 }, bodyText(c.data)))),
          h('td', {}, text(c.data.displayName)),
          h('td', {}, text(c.data['@odata.type'] ?? c.kind).replace(GRAPH_TYPE_PREFIX, '')),
          h('td', { class: 'num' }, text(c.data.priority)),
        ),
      ),
    ),
  );
}

function targetOf(a: Record<string, unknown>): string {
  const target = a.target as Record<string, unknown> | null | undefined;
  if (!target) return '';
  const type = text(target['@odata.type']).replace(GRAPH_TYPE_PREFIX, '');
  return target.groupId ? `${type} ${text(target.groupId)}` : type;
}

function assignments(state: TenantState): HTMLElement[] {
  if (state.assignments.length === 0) return [h('p', { class: 'muted' }, 'No assignments stored.')];
  return state.assignments.map((c) =>
    h(
      'table',
      { class: 'grid', 'data-configuration-id': c.configurationId },
      h(
        'caption',
        {},
        'Assignments of ',
        h('code', {}, c.configurationId),
        ` (${c.count}${c.count > c.value.length ? `, first ${c.value.length} shown` : ''})`,
      ),
      h(
        'thead',
        {},
        h('tr', {}, h('th', { scope: 'col' }, 'Id'), h('th', { scope: 'col' }, 'Target'), h('th', { scope: 'col' }, 'Source')),
      ),
      h(
        'tbody',
        {},
        ...c.value.map((a) =>
          h(
            'tr',
            { 'data-assignment-id': text(a.id) },
            h('td', {}, h('code', {}, text(a.id))),
            h('td', {}, targetOf(a)),
            h('td', {}, [text(a.source), text(a.sourceId)].filter(Boolean).join(' · ')),
          ),
        ),
      ),
    ),
  );
}

export function stateElement(state: TenantState): HTMLElement {
  return h('div', { 'data-tenant': state.tenantId }, configurations(state), ...assignments(state));
}
