/**
 * The Azure ML deployment target (DEPLOY_TARGET=azureml): `createAzureMLDeploymentTarget(settings, deps)`
 * gives a DeploymentTarget that is also a TrafficRouting (lineage-level traffic, scoring routes, canary).
 */
import { AzureMLDeploymentTarget, AzureMLTargetDeps } from './target';
import { AzureMLTargetSettings, checkAzureMLTargetSettings } from './settings';

export type { AzureMLTargetDeps, AzureMLDeploymentSpec } from './target';
export type { AzureMLTargetSettings } from './settings';
export type { LroProgress, ProgressSink } from './arm';
export type { TrafficRouting, LineageEndpoint, ScoringRoute, Observation, CanaryOptions, CanaryReport, DeploymentFigures } from './routing';
export { AzureMLDeploymentTarget } from './target';
export { azureMLTargetSettingsFromEnv, AZUREML_DEFAULTS } from './settings';
export { endpointNameFor, azureDeploymentName } from './names';
export { scoreThrough } from './score';

export function createAzureMLDeploymentTarget(settings: AzureMLTargetSettings, deps: AzureMLTargetDeps): AzureMLDeploymentTarget {
  return new AzureMLDeploymentTarget(checkAzureMLTargetSettings(settings), deps);
}
