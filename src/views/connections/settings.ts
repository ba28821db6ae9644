import * as vscode from 'vscode';
import { isCloudId, resolveCloud, type CloudId, type ResolvedCloud } from '../../auth/clouds';

/** The sign-in settings, read fresh each time (they may change while VS Code runs). */
export interface AuthSettings {
  readonly cloud: ResolvedCloud;
  readonly cloudId: CloudId;
  /** Authority origins trusted beyond the cloud's own sign-in hosts. */
  readonly trustedAuthorityHosts: readonly string[];
}

export function readAuthSettings(): AuthSettings {
  const config = vscode.workspace.getConfiguration('dataverse');
  const raw = config.get<string>('cloud', 'public');
  const cloudId: CloudId = isCloudId(raw) ? raw : 'public';
  const discovery = config.get<string>('globalDiscoveryUrl', '').trim();
  const cloud = resolveCloud(cloudId, discovery ? { globalDiscoveryUrl: discovery } : undefined);
  const trusted = config.get<unknown>('trustedAuthorityHosts', []);
  return {
    cloud,
    cloudId,
    trustedAuthorityHosts: Array.isArray(trusted) ? trusted.filter((h): h is string => typeof h === 'string') : [],
  };
}
