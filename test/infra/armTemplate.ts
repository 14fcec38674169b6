/**
 * Reads the compiled ARM template of infra/main.bicep: the nested module deployments, the function
 * app's settings (as ARM expressions) and the role assignments of app/rbac.bicep, in the same shape
 * as the Bicep-text reader in appCalls.ts produces, so one check runs on either.
 */
import { Expr, calledFunctions, isCall, parseValue, render } from './armExpr';
import type { ArmTemplate } from './bicepCli';

export interface Assignment {
  /** 'identity' = the function app's managed identity; 'user' = the developer running azd. */
  principal: 'identity' | 'user' | 'other';
  roleKey: string;
  roleId: string;
  scopeType: string;
  /** The rbac module parameter naming the scoped resource. */
  scopeParam: string;
  principalType: string;
  conditional: boolean;
}

/** A template's resources: an array, or (languageVersion 2.0, symbolic names) an object. */
export function resources(tpl: ArmTemplate): any[] {
  const r = tpl.resources ?? [];
  return Array.isArray(r) ? r : Object.values(r);
}

/** A nested module deployment by name (this repo's module deployment names are literals). */
export function moduleDeployment(tpl: ArmTemplate, name: string): any {
  const d = resources(tpl).find((r) => r.type === 'Microsoft.Resources/deployments' && r.name === name);
  if (!d) throw new Error(`no module deployment '${name}' in the template`);
  return d;
}

/** The ARM expression a module deployment passes as one of its parameters. */
export function moduleParam(tpl: ArmTemplate, module: string, param: string): string | undefined {
  const v = moduleDeployment(tpl, module).properties.parameters?.[param]?.value;
  return v === undefined ? undefined : typeof v === 'string' ? render(parseValue(v)) : JSON.stringify(v);
}

function templateVariable(tpl: ArmTemplate, name: string): unknown {
  if (!(name in (tpl.variables ?? {}))) throw new Error(`variable '${name}' is not in the template`);
  return tpl.variables[name];
}

function literal(v: unknown): Expr {
  if (typeof v === 'string') return parseValue(v);
  if (typeof v === 'number') return { kind: 'number', value: v };
  return { kind: 'string', value: JSON.stringify(v) };
}

/** Evaluates an object-valued expression into key -> value expression (union, createObject, variables, parameter defaults). */
function objectOf(e: Expr, tpl: ArmTemplate): Map<string, Expr> {
  const out = new Map<string, Expr>();
  if (isCall(e, 'union')) {
    for (const a of e.args) for (const [k, v] of objectOf(a, tpl)) out.set(k, v);
  } else if (isCall(e, 'createObject')) {
    for (let i = 0; i + 1 < e.args.length; i += 2) {
      const k = e.args[i];
      if (k.kind !== 'string') throw new Error(`createObject with a computed key: ${render(k)}`);
      out.set(k.value, e.args[i + 1]);
    }
  } else if (isCall(e, 'variables') && e.args[0]?.kind === 'string') {
    const v = templateVariable(tpl, e.args[0].value);
    if (typeof v === 'string') return objectOf(parseValue(v), tpl);
    for (const [k, x] of Object.entries(v as object)) out.set(k, literal(x));
  } else if (isCall(e, 'parameters') && e.args[0]?.kind === 'string') {
    const p = tpl.parameters?.[e.args[0].value];
    const def = p?.defaultValue;
    if (def === undefined) throw new Error(`parameter '${e.args[0].value}' has no default: its keys are unknown at compile time`);
    for (const [k, x] of Object.entries(def as object)) out.set(k, literal(x));
  } else {
    throw new Error(`cannot read the keys of ${render(e)}`);
  }
  return out;
}

/** The function app's app settings as the api module passes them to core/host/functions-flex.bicep. */
export function appSettings(main: ArmTemplate): Map<string, Expr> {
  const api = moduleDeployment(main, 'api').properties.template;
  const flex = moduleDeployment(api, 'functions-flex');
  const value = flex.properties.parameters.appSettings.value;
  return objectOf(parseValue(value), api);
}

/** True when the value is computed from a list*() call (listKeys, listSecrets, listConnectionStrings, listAccountSas...). */
export function readsSecrets(e: Expr): boolean {
  return calledFunctions(e).some((f) => f.startsWith('list'));
}

function scopeOf(scope: string): { type: string; param: string } {
  const e = parseValue(scope);
  if (isCall(e, 'resourceId') && e.args.length === 2 && e.args[0].kind === 'string' && isCall(e.args[1], 'parameters') && e.args[1].args[0].kind === 'string') {
    return { type: e.args[0].value, param: e.args[1].args[0].value };
  }
  throw new Error(`role assignment scope ${scope} is not resourceId('<type>', parameters('<name>'))`);
}

function principalOf(value: string): Assignment['principal'] {
  const e = parseValue(value);
  if (isCall(e, 'parameters') && e.args[0].kind === 'string' && e.args[0].value === 'userPrincipalId') return 'user';
  // reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('identityName')), '<api>').principalId
  if (e.kind === 'prop' && e.name === 'principalId' && isCall(e.target, 'reference')) {
    const id = e.target.args[0];
    if (isCall(id, 'resourceId') && id.args[0].kind === 'string' && id.args[0].value === 'Microsoft.ManagedIdentity/userAssignedIdentities') {
      const name = id.args[1];
      if (isCall(name, 'parameters') && name.args[0].kind === 'string' && name.args[0].value === 'identityName') return 'identity';
    }
  }
  return 'other';
}

/** Role assignments of the rbac module, from the compiled template. */
export function roleAssignments(main: ArmTemplate): Assignment[] {
  const rbac = moduleDeployment(main, 'rbac').properties.template;
  const roles = templateVariable(rbac, 'roles') as Record<string, string>;
  return resources(rbac)
    .filter((r) => r.type === 'Microsoft.Authorization/roleAssignments')
    .map((r) => {
      const def = parseValue(r.properties.roleDefinitionId);
      // subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('roles').<key>)
      const ref = isCall(def, 'subscriptionResourceId') ? def.args[1] : undefined;
      const roleKey = ref && ref.kind === 'prop' && isCall(ref.target, 'variables') ? ref.name : `?${r.properties.roleDefinitionId}`;
      const { type, param } = scopeOf(r.scope);
      return {
        principal: principalOf(r.properties.principalId),
        roleKey,
        roleId: roles[roleKey] ?? '?',
        scopeType: type,
        scopeParam: param,
        principalType: typeof r.properties.principalType === 'string' ? r.properties.principalType : '?',
        conditional: r.condition !== undefined,
      };
    });
}
