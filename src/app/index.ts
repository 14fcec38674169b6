/**
 * The app's one composition root, created on first use from the process environment. A bad setting
 * fails here, at startup (functions/*.ts call appRoot() when they load), naming the setting.
 */
import { loadConfig } from './config';
import { AppRoot } from './root';

export { AppRoot } from './root';
export { ConfigError, loadConfig, type AppConfig } from './config';

let root: AppRoot | undefined;

export function appRoot(): AppRoot {
  return (root ??= new AppRoot(loadConfig(process.env)));
}
