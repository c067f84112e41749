// Stand-in API server patch semantics: JSON patch (RFC 6902), JSON merge patch (RFC 7386), strategic merge patch.
//
// Strategic merge is reduced to what HoldCell sends: maps merge, null deletes, and lists of objects with a `name`
// (containers, ephemeralContainers, volumes) merge by name, as the patchMergeKey of those fields says.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class PatchError extends Error {
  constructor(
    readonly code: 409 | 422 | 415,
    message: string,
  ) {
    super(message);
  }
}

const isObject = (value: unknown): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function walk(document: Json, pointer: string): { parent: Json; key: string } {
  const tokens = pointer.split('/').slice(1).map(unescape);
  const key = tokens.pop();
  if (key === undefined) throw new PatchError(422, `invalid JSON pointer "${pointer}"`);
  let node: Json = document;
  for (const token of tokens) {
    const next: Json | undefined = Array.isArray(node) ? node[Number(token)] : isObject(node) ? node[token] : undefined;
    if (next === undefined)
      throw new PatchError(422, `the server rejected our request: path ${pointer} does not exist`);
    node = next;
  }
  return { parent: node, key };
}

export function applyJsonPatch(document: Json, operations: unknown): Json {
  if (!Array.isArray(operations)) throw new PatchError(422, 'a JSON patch is a list of operations');
  const result = structuredClone(document);
  for (const operation of operations as { op?: string; path?: string; value?: Json }[]) {
    const { parent, key } = walk(result, operation.path ?? '');
    switch (operation.op) {
      case 'add':
      case 'replace':
        if (operation.op === 'replace' && isObject(parent) && !Object.hasOwn(parent, key))
          throw new PatchError(422, `replace operation does not apply: doc is missing key: ${operation.path ?? ''}`);
        if (Array.isArray(parent)) {
          if (key === '-') parent.push(operation.value ?? null);
          else parent.splice(Number(key), operation.op === 'add' ? 0 : 1, operation.value ?? null);
        } else if (isObject(parent)) parent[key] = operation.value ?? null;
        break;
      case 'remove':
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else if (isObject(parent) && Object.hasOwn(parent, key)) delete parent[key];
        else throw new PatchError(422, `remove operation does not apply: doc is missing path: ${operation.path ?? ''}`);
        break;
      case 'test': {
        const actual = Array.isArray(parent) ? parent[Number(key)] : isObject(parent) ? parent[key] : undefined;
        if (JSON.stringify(actual) !== JSON.stringify(operation.value))
          throw new PatchError(409, `the test operation failed at ${operation.path ?? ''}`);
        break;
      }
      default:
        throw new PatchError(422, `unsupported JSON patch operation ${String(operation.op)}`);
    }
  }
  return result;
}

export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, Json> = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key] ?? null, value);
  }
  return result;
}

const named = (list: Json[]): boolean => list.every((entry) => isObject(entry) && typeof entry['name'] === 'string');

export function applyStrategicMergePatch(target: Json, patch: Json): Json {
  if (Array.isArray(patch) && Array.isArray(target) && named(patch) && named(target)) {
    const merged = structuredClone(target) as Record<string, Json>[];
    for (const entry of patch as Record<string, Json>[]) {
      const index = merged.findIndex((existing) => existing['name'] === entry['name']);
      if (index === -1) merged.push(structuredClone(entry));
      else merged[index] = applyStrategicMergePatch(merged[index] ?? null, entry) as Record<string, Json>;
    }
    return merged;
  }
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, Json> = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key.startsWith('$setElementOrder')) continue;
    if (value === null) delete result[key];
    else result[key] = applyStrategicMergePatch(result[key] ?? null, value);
  }
  return result;
}

export function applyPatch(contentType: string, target: Json, patch: unknown): Json {
  const type = contentType.split(';')[0]?.trim();
  switch (type) {
    case 'application/json-patch+json':
      return applyJsonPatch(target, patch);
    case 'application/merge-patch+json':
      return applyMergePatch(target, patch as Json);
    case 'application/strategic-merge-patch+json':
      return applyStrategicMergePatch(target, patch as Json);
    default:
      throw new PatchError(
        415,
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
      );
  }
}
