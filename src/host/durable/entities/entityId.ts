/**
 * Entity ids as DurableTask schedules them: "@name@key", the name lower-cased. Entities share the
 * control queue and the History table with orchestrations; the leading '@' tells them apart.
 */

export function isEntityId(instanceId: string): boolean {
  return instanceId.startsWith('@');
}

export function entityIdOf(name: string, key: string): string {
  return `@${String(name).toLowerCase()}@${key}`;
}

/** "@name@key" split into its parts, or undefined when it is not an entity id. */
export function parseEntityId(id: string): { name: string; key: string } | undefined {
  if (!isEntityId(id)) return undefined;
  const at = id.indexOf('@', 1);
  if (at < 0) return undefined;
  return { name: id.slice(1, at), key: id.slice(at + 1) };
}
