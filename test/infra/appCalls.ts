/**
 * infra/app-calls.json (every call the app makes to Azure, with the role that grants it) checked
 * against the role assignments infra/ makes: the compiled template's when the Bicep CLI is there,
 * else the Bicep text's. Each check returns problems; [] = fine.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Assignment } from './armTemplate';
import { objectProperty, parseBicep, varObject } from './bicepScan';

export interface RoleDef {
  name: string;
  id: string;
  actions: string[];
  notActions?: string[];
  dataActions?: string[];
  notDataActions?: string[];
}
export interface Scope {
  type: string;
  rbacParam: string;
  createdBy: { module: string; param: string };
}
export interface Call {
  id: string;
  by: string;
  actions?: string[];
  dataActions?: string[];
  scope: string;
  role: string;
}
export interface AppCalls {
  scopes: Record<string, Scope>;
  roles: Record<string, RoleDef>;
  calls: Call[];
}

export function loadAppCalls(root: string): AppCalls {
  return JSON.parse(fs.readFileSync(path.join(root, 'infra', 'app-calls.json'), 'utf8')) as AppCalls;
}

/** Azure RBAC wildcard: `*` matches any text; `a/*\/b` also matches `a/b` (so workspaces/*\/read covers workspaces/read, as the role's notActions assume). */
export function actionMatches(pattern: string, action: string): boolean {
  const re = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    // NUL cannot occur in an action: a safe placeholder for the wildcard while escaping.
    /* eslint-disable no-control-regex */
    .join('\u0000')
    .replace(/\/\u0000\//g, '(?:/.*)?/')
    .replace(/\u0000/g, '.*');
  /* eslint-enable no-control-regex */
  return new RegExp(`^${re}$`, 'i').test(action);
}

export function roleGrants(role: RoleDef, action: string, data: boolean): boolean {
  const allow = data ? (role.dataActions ?? []) : role.actions;
  const deny = data ? (role.notDataActions ?? []) : (role.notActions ?? []);
  return allow.some((p) => actionMatches(p, action)) && !deny.some((p) => actionMatches(p, action));
}

/** Resolves which expression the main template passes as a module parameter (compiled or text). */
export type ModuleParam = (module: string, param: string) => string | undefined;

export function checkAppCalls(spec: AppCalls, assignments: Assignment[], moduleParam: ModuleParam): string[] {
  const problems: string[] = [];
  const usedAssignments = new Set<Assignment>();
  for (const call of spec.calls) {
    const role = spec.roles[call.role];
    const scope = spec.scopes[call.scope];
    if (!role) {
      problems.push(`${call.id}: role '${call.role}' is not defined in app-calls.json`);
      continue;
    }
    if (!scope) {
      problems.push(`${call.id}: scope '${call.scope}' is not defined in app-calls.json`);
      continue;
    }
    if (!call.actions?.length && !call.dataActions?.length) problems.push(`${call.id}: names no action`);
    for (const a of call.actions ?? []) if (!roleGrants(role, a, false)) problems.push(`${call.id}: ${role.name} does not grant ${a}`);
    for (const a of call.dataActions ?? []) if (!roleGrants(role, a, true)) problems.push(`${call.id}: ${role.name} does not grant data action ${a}`);
    const match = assignments.filter(
      (x) => x.principal === 'identity' && x.roleId === role.id && x.scopeType === scope.type && x.scopeParam === scope.rbacParam,
    );
    if (!match.length) {
      const elsewhere = assignments.filter((x) => x.principal === 'identity' && x.roleId === role.id);
      problems.push(
        `${call.id}: the managed identity has no ${role.name} on ${call.scope} (${scope.type} ${scope.rbacParam})` +
          (elsewhere.length ? `; it has it on ${elsewhere.map((x) => `${x.scopeType} ${x.scopeParam}`).join(', ')}` : ''),
      );
      continue;
    }
    for (const m of match) {
      usedAssignments.add(m);
      if (m.conditional) problems.push(`${call.id}: the ${role.name} assignment is conditional`);
      if (m.principalType !== 'ServicePrincipal')
        problems.push(`${call.id}: the ${role.name} assignment has principalType ${m.principalType}, expected ServicePrincipal`);
      if (m.roleKey !== call.role) problems.push(`${call.id}: rbac.bicep calls role ${role.id} '${m.roleKey}', app-calls.json '${call.role}'`);
    }
    // The resource the role is scoped to is the one the app calls: the name rbac gets is the name the creating module got.
    const given = moduleParam('rbac', scope.rbacParam);
    const created = moduleParam(scope.createdBy.module, scope.createdBy.param);
    if (!given || given !== created) {
      problems.push(`${call.id}: rbac.${scope.rbacParam} is ${given}, but ${scope.createdBy.module}.${scope.createdBy.param} (the resource) is ${created}`);
    }
  }
  // Least privilege: every role the identity holds is needed by some call.
  for (const a of assignments) {
    if (a.principal === 'identity' && !usedAssignments.has(a))
      problems.push(`rbac: the identity holds ${a.roleKey} on ${a.scopeType} ${a.scopeParam}, which no call in app-calls.json needs`);
    if (a.principal === 'other') problems.push(`rbac: a ${a.roleKey} assignment goes to a principal that is neither the identity nor the developer`);
  }
  // The rbac module's identity is the function app's identity.
  const identity = moduleParam('rbac', 'identityName');
  const appIdentity = moduleParam('apiIdentity', 'name');
  if (!identity || identity !== appIdentity) problems.push(`rbac.identityName is ${identity}, the app's identity (apiIdentity.name) is ${appIdentity}`);
  return problems;
}

/** The same assignments, read from infra/app/rbac.bicep's text. */
export function roleAssignmentsFromBicep(root: string): Assignment[] {
  const rbac = parseBicep(path.join(root, 'infra', 'app', 'rbac.bicep'));
  const roles = varObject(rbac, 'roles');
  const bySymbol = new Map(rbac.resources.map((r) => [r.symbol, r]));
  return rbac.resources
    .filter((r) => r.type === 'Microsoft.Authorization/roleAssignments')
    .map((r) => {
      const roleKey = /roleDefinitionId:[^\n]*roles\.(\w+)\)/.exec(r.body)?.[1] ?? '?';
      const scoped = bySymbol.get(/scope:\s*(\w+)/.exec(r.body)?.[1] ?? '');
      const principalExpr = /principalId:\s*([\w.]+)/.exec(r.body)?.[1] ?? '';
      const idSymbol = principalExpr.endsWith('.properties.principalId') ? bySymbol.get(principalExpr.split('.')[0]) : undefined;
      const principal: Assignment['principal'] =
        principalExpr === 'userPrincipalId'
          ? 'user'
          : idSymbol?.type === 'Microsoft.ManagedIdentity/userAssignedIdentities' && /name:\s*identityName\b/.test(idSymbol.body)
            ? 'identity'
            : 'other';
      const ptype = /principalType:\s*('(\w+)'|\w+)/.exec(r.body);
      return {
        principal,
        roleKey,
        roleId: (roles[roleKey] ?? '?').replace(/'/g, ''),
        scopeType: scoped?.type ?? '?',
        scopeParam: /name:\s*(\w+)/.exec(scoped?.body ?? '')?.[1] ?? '?',
        principalType: ptype ? (ptype[2] ?? ptype[1]) : '?',
        conditional: new RegExp(`^resource\\s+${r.symbol}\\s+'[^']+'\\s*=\\s*if\\b`, 'm').test(rbac.code),
      };
    });
}

/** Module parameters of main.bicep, as Bicep text. */
export function moduleParamFromBicep(root: string): ModuleParam {
  const main = parseBicep(path.join(root, 'infra', 'main.bicep'));
  return (module, param) => {
    const m = main.modules.find((x) => x.symbol === module);
    const params = m ? objectProperty(m.body, 'params') : undefined;
    return params ? objectProperty(params, param) : undefined;
  };
}
