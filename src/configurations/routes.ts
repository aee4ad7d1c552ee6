import { VERSIONS, type GraphVersion } from '../graph/model';
import { operationRow, type Route } from '../pipeline/context';
import type { ConfigurationHandlers } from './handlers';
import { castListDoc, countDoc, createDoc, deleteDoc, getDoc, listDoc, setPriorityDoc, updateDoc } from './openapi';
import { concreteTypes, qualified } from './types';

/**
 * The configurations' rows of the route table, per version: the collection, its `$count`, one
 * configuration, its setPriority action, and a type-cast segment (with its `$count`) for every concrete
 * type the version has. The assign action and the assignments under a configuration are the
 * assignments resource's rows. No name or order matters: src/pipeline/router.ts ranks the templates, and
 * a literal segment (`$count`, a cast) outranks the `{deviceEnrollmentConfigurationId}` beside it.
 */

const collectionOf = (version: GraphVersion) => `${version}/deviceManagement/deviceEnrollmentConfigurations`;
const ITEM = '{deviceEnrollmentConfigurationId}';

const row = operationRow;

function versionRoutes(h: ConfigurationHandlers, v: GraphVersion): Route[] {
  const suffix = v === 'beta' ? '' : 'V1';
  const collection = collectionOf(v);
  const casts = concreteTypes(v).flatMap((type) => {
    const cast = `${collection}/${qualified(type.name)}`;
    const name = type.name.charAt(0).toUpperCase() + type.name.slice(1);
    return [
      row(`list${name}Configurations${suffix}`, cast, 'GET', 'read', h.listCast(type.name), castListDoc(v, type.name)),
      row(`count${name}Configurations${suffix}`, `${cast}/$count`, 'GET', 'read', h.countCast(type.name), countDoc(v, type.name)),
    ];
  });
  return [
    row(`listConfigurations${suffix}`, collection, 'GET', 'read', h.list, listDoc(v)),
    row(`createConfiguration${suffix}`, collection, 'POST', 'write', h.create, createDoc(v)),
    row(`countConfigurations${suffix}`, `${collection}/$count`, 'GET', 'read', h.count, countDoc(v)),
    row(`getConfiguration${suffix}`, `${collection}/${ITEM}`, 'GET', 'read', h.get, getDoc(v)),
    row(`updateConfiguration${suffix}`, `${collection}/${ITEM}`, 'PATCH', 'write', h.update, updateDoc(v)),
    row(`deleteConfiguration${suffix}`, `${collection}/${ITEM}`, 'DELETE', 'write', h.delete, deleteDoc(v)),
    row(`setConfigurationPriority${suffix}`, `${collection}/${ITEM}/setPriority`, 'POST', 'write', h.setPriority, setPriorityDoc(v)),
    ...casts,
  ];
}

export function configurationRoutes(h: ConfigurationHandlers): Route[] {
  return VERSIONS.flatMap((v) => versionRoutes(h, v));
}
