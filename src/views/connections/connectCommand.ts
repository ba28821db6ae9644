import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type { Logger } from '../../core/logger';
import { parseDataverseChallenge, isTrustedAuthorityHost } from '../../auth/challenge';
import type { Connection, SignInFlow } from '../../auth/connection';
import type { ConnectionManager, ConnectionSecret, DiscoveredEnvironment } from '../../auth/connectionManager';
import { explainUnsupportedFlow, getFlows, type FlowEnvironment } from '../../auth/flows';
import { certificateFromPem, pemFromPfx, PfxPasswordError } from '../../auth/msal/certificateCredential';
import { normalizeOrgUrl, sameOrg } from '../../auth/orgUrl';
import { DATAVERSE_PUBLIC_CLIENT_ID } from './constants';
import { readAuthSettings } from './settings';
import { GUID } from '../../core/guid';


/** Where VS Code runs, for the choice of flows. */
export function flowEnvironment(): FlowEnvironment {
  return {
    uiKind: vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop',
    ...(vscode.env.remoteName ? { remoteName: vscode.env.remoteName } : {}),
  };
}

/** Thrown when the person closes a prompt: the command ends quietly. */
class Dismissed extends Error {
  override readonly name = 'Dismissed';
}

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Dismissed('dismissed');
  return value;
}

async function askGuid(title: string, prompt: string, value?: string): Promise<string> {
  return required(
    await vscode.window.showInputBox({
      title,
      prompt,
      value,
      ignoreFocusOut: true,
      placeHolder: '00000000-0000-0000-0000-000000000000',
      validateInput: (v) => (GUID.test(v.trim()) ? undefined : vscode.l10n.t('Enter a GUID such as 6a2b4c8d-1234-4e5f-9a0b-1c2d3e4f5a6b (find it on the app registration\'s Overview page).')),
    }),
  ).trim();
}

interface FlowPick extends vscode.QuickPickItem {
  readonly flow: SignInFlow;
  readonly customClient?: boolean;
}

/** A connection just made, and the environments its account can reach (empty for app-only connections or when discovery failed). */
export interface ConnectResult {
  readonly connection: Connection;
  readonly environments: readonly DiscoveredEnvironment[];
}

/** The palette conversation of "Dataverse: Connect to Environment...". Returns the saved connection, or undefined when dismissed. */
export async function connect(manager: ConnectionManager, log: Logger, options: { orgUrl?: string } = {}): Promise<ConnectResult | undefined> {
  const title = vscode.l10n.t('Connect to a Dataverse environment');
  try {
    const settings = readAuthSettings();
    // 1. The org URL, validated as it is typed.
    const typed = required(
      await vscode.window.showInputBox({
        title,
        prompt: vscode.l10n.t('Environment URL, e.g. https://contoso.crm.dynamics.com (copy it from the browser or make.powerapps.com)'),
        value: options.orgUrl,
        ignoreFocusOut: true,
        validateInput: (v) => {
          const result = normalizeOrgUrl(v, settings.cloudId);
          return result.ok ? undefined : result.reason;
        },
      }),
    );
    const org = normalizeOrgUrl(typed, settings.cloudId);
    if (!org.ok) throw new Error(org.reason);

    // 2. The tenant and the authority, from the org's own 401 challenge.
    const challenge = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Contacting {0}...', org.url), cancellable: true },
      async (_p, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return manager.discoverAuthority(org.url, abort.signal);
      },
    );
    const parsed = parseDataverseChallenge(challenge);
    if (!parsed.ok) throw new Error(parsed.reason);
    const { authorityHost, tenantId } = parsed.challenge;
    if (!isTrustedAuthorityHost(authorityHost, settings.cloud, settings.trustedAuthorityHosts)) {
      throw new Error(
        vscode.l10n.t(
          '{0} sends sign-ins to {1}, which is not a Microsoft sign-in host of the {2} cloud. Nothing was sent there. If you trust it, add it to the setting "dataverse.trustedAuthorityHosts", or choose the right cloud in "dataverse.cloud".',
          org.url,
          authorityHost,
          settings.cloud.displayName,
        ),
      );
    }
    log.info(`Connecting to ${org.url}: tenant ${tenantId}, authority ${authorityHost}.`);

    // 3. How to sign in.
    const flows = getFlows(flowEnvironment());
    const picks: FlowPick[] = flows.map((f) => ({ label: f.label, detail: f.detail, description: f.isDefault ? vscode.l10n.t('recommended here') : undefined, flow: f.flow }));
    const userFlows = picks.filter((p) => p.flow === 'interactive' || p.flow === 'deviceCode');
    picks.push(
      ...userFlows.map((p) => ({ ...p, label: vscode.l10n.t('{0} with my own app registration...', p.label), description: undefined, detail: vscode.l10n.t('Sign in through a public client app registered in your tenant instead of the Dataverse sample client.'), customClient: true })),
    );
    const picked = required(await vscode.window.showQuickPick(picks, { title, placeHolder: vscode.l10n.t('How do you want to sign in to {0}?', org.url), ignoreFocusOut: true }));

    // 4. What the flow needs.
    let clientId = DATAVERSE_PUBLIC_CLIENT_ID;
    let secret: ConnectionSecret | undefined;
    let thumbprint: string | undefined;
    if (picked.customClient) {
      clientId = await askGuid(title, vscode.l10n.t('Application (client) id of your public client app registration'));
    }
    if (picked.flow === 'clientSecret' || picked.flow === 'certificate') {
      clientId = await askGuid(title, vscode.l10n.t('Application (client) id of the app registration (it needs an application user in this environment)'));
    }
    if (picked.flow === 'clientSecret') {
      const value = required(
        await vscode.window.showInputBox({
          title,
          prompt: vscode.l10n.t('Client secret value (not the secret id). It is kept in VS Code\'s secret storage only.'),
          password: true,
          ignoreFocusOut: true,
          validateInput: (v) => (v.trim().length >= 8 ? undefined : vscode.l10n.t('That is too short for a client secret; copy the Value column of Certificates & secrets.')),
        }),
      );
      secret = { kind: 'clientSecret', clientSecret: value.trim() };
    }
    if (picked.flow === 'certificate') {
      const certificate = await pickCertificate(title);
      thumbprint = certificate.thumbprint;
      secret = { kind: 'certificate', privateKeyPem: certificate.privateKeyPem, certificatePem: certificate.certificatePem };
    }

    // 5. Sign in, then confirm with WhoAmI.
    const draft: Connection = {
      id: randomUUID(),
      name: new URL(org.url).hostname,
      orgUrl: org.url,
      tenantId,
      authorityHost,
      flow: picked.flow,
      clientId,
      ...(picked.flow === 'clientSecret' || picked.flow === 'certificate' ? { accountHint: clientId } : {}),
      tags: [],
      ...(thumbprint ? { certificateThumbprint: thumbprint } : {}),
    };
    const { token, identity } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Signing in to {0}...', org.url), cancellable: true },
      async (_p, cancel) => {
        const abort = new AbortController();
        cancel.onCancellationRequested(() => abort.abort());
        const signedIn = await manager.signInDraft(draft, secret, abort.signal);
        try {
          return { token: signedIn.token, identity: await manager.testDraft(draft, abort.signal) };
        } catch (error) {
          await manager.discardDraft(draft.id);
          throw error;
        }
      },
    );

    // 6. Name it, and say whether it is production.
    // One discovery call serves both the name offered here and the other environments offered afterwards.
    let environments: DiscoveredEnvironment[] = [];
    try {
      environments = await manager.discoverEnvironments(draft);
    } catch (error) {
      log.warn(`Global Discovery did not answer for ${draft.orgUrl}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const friendly = environments.find((e) => sameOrg(e.url, draft.orgUrl))?.friendlyName || identity.organizationName || new URL(draft.orgUrl).hostname;
    const name = await vscode.window.showInputBox({
      title,
      prompt: vscode.l10n.t('Connected as {0}. Name this connection:', identity.fullName || token.account?.username || clientId),
      value: friendly,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('A name is needed to tell connections apart.')),
    });
    if (name === undefined) {
      await manager.discardDraft(draft.id);
      return undefined;
    }
    const yes = vscode.l10n.t('Yes, this is production');
    const no = vscode.l10n.t('No');
    const production = await vscode.window.showQuickPick([no, yes], { title, placeHolder: vscode.l10n.t('Is {0} a production environment? Production connections are marked in the status bar.', name.trim()), ignoreFocusOut: true });
    const connection: Connection = {
      ...draft,
      name: name.trim(),
      tags: production === yes ? ['production'] : [],
      ...(token.account ? { accountHint: token.account.username, homeAccountId: token.account.homeAccountId } : {}),
      accountName: identity.fullName || token.account?.name || clientId,
    };
    await manager.save(connection);
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Connected to {0} as {1} ({2}).', connection.name, connection.accountName ?? '', identity.businessUnitName),
    );
    return { connection, environments: environments.filter((e) => !sameOrg(e.url, connection.orgUrl)) };
  } catch (error) {
    if (error instanceof Dismissed) return undefined;
    throw error;
  }
}

interface CertificateFiles {
  readonly privateKeyPem: string;
  readonly certificatePem: string;
  readonly thumbprint: string;
}

const CERTIFICATE_BLOCK = '-----BEGIN CERTIFICATE-----';
const PRIVATE_KEY_BLOCK = /-----BEGIN (ENCRYPTED |RSA |EC )?PRIVATE KEY-----/;

const PFX_FILE = /\.(pfx|p12)$/i;

/**
 * Reads a PFX/P12 file as PEM text (certificate chain, then key), asking for
 * its password; a wrong password is said in the next prompt. Only the PEM is
 * kept (in SecretStorage, by the caller); the password is not stored.
 */
async function readPfx(file: vscode.Uri): Promise<string[]> {
  const bytes = await vscode.workspace.fs.readFile(file);
  const name = file.path.split('/').pop() ?? file.path;
  let password: string | undefined;
  let problem: string | undefined;
  for (;;) {
    try {
      // First without a password: a PFX exported without one opens at once, and a file that is no PFX says so.
      const pem = pemFromPfx(bytes, password);
      return [pem.certificatePem, pem.privateKeyPem];
    } catch (error) {
      if (!(error instanceof PfxPasswordError)) throw error;
      problem = error.reason === 'wrongPassword' ? error.message : undefined;
    }
    password = required(
      await vscode.window.showInputBox({
        title: vscode.l10n.t('Password of {0}', name),
        prompt: problem ?? vscode.l10n.t('The password set when the certificate was exported.'),
        password: true,
        ignoreFocusOut: true,
      }),
    );
  }
}

/** Shows an open dialog for certificate files and returns the chosen files and their PEM text (a PFX is read with its password). */
async function choosePemFiles(options: { title: string; canSelectMany: boolean; defaultUri?: vscode.Uri }): Promise<{ files: vscode.Uri[]; texts: string[] }> {
  const files = required(
    await vscode.window.showOpenDialog({
      title: options.title,
      canSelectMany: options.canSelectMany,
      ...(options.defaultUri ? { defaultUri: options.defaultUri } : {}),
      openLabel: vscode.l10n.t('Use Certificate'),
      filters: { [vscode.l10n.t('Certificates and keys')]: ['pem', 'crt', 'cer', 'key', 'pfx', 'p12'], [vscode.l10n.t('All files')]: ['*'] },
    }),
  );
  const texts: string[] = [];
  for (const file of files) {
    if (PFX_FILE.test(file.path)) texts.push(...(await readPfx(file)));
    else texts.push(new TextDecoder().decode(await vscode.workspace.fs.readFile(file)));
  }
  return { files, texts };
}

/** Asks for a PEM certificate and its key (one file holding both, or two files); the thumbprint is computed. */
async function pickCertificate(title: string): Promise<CertificateFiles> {
  const first = await choosePemFiles({
    title: vscode.l10n.t('Choose the certificate and its private key (a PFX/P12 file, or PEM: one file with both, or select both files)'),
    canSelectMany: true,
  });
  let certificatePem = first.texts.find((t) => t.includes(CERTIFICATE_BLOCK));
  let privateKeyPem = first.texts.find((t) => PRIVATE_KEY_BLOCK.test(t));
  // VS Code's simple file dialog (VS Code for the Web, remote windows) returns one file even when many may be selected:
  // when the file chosen holds only one half, ask for the other half next to it.
  if (Boolean(certificatePem) !== Boolean(privateKeyPem)) {
    const second = await choosePemFiles({
      title: certificatePem ? vscode.l10n.t('Now choose the private key of this certificate (PEM)') : vscode.l10n.t('Now choose the certificate of this private key (PEM)'),
      canSelectMany: false,
      defaultUri: vscode.Uri.joinPath(first.files[0]!, '..'),
    });
    certificatePem ??= second.texts.find((t) => t.includes(CERTIFICATE_BLOCK));
    privateKeyPem ??= second.texts.find((t) => PRIVATE_KEY_BLOCK.test(t));
  }
  if (!certificatePem || !privateKeyPem) {
    throw new Error(
      vscode.l10n.t('{0}: the files chosen must hold a CERTIFICATE block and a PRIVATE KEY block (PEM). Found {1}.', title, [certificatePem ? 'a certificate' : 'no certificate', privateKeyPem ? 'a key' : 'no private key'].join(' and ')),
    );
  }
  const credential = certificateFromPem({ certificatePem, privateKeyPem });
  return { certificatePem, privateKeyPem, thumbprint: credential.thumbprintSha256 };
}

/** Why username/password sign-in is not offered, and what to do instead. */
export async function explainUsernamePassword(onConnect: () => void): Promise<void> {
  const e = explainUnsupportedFlow('usernamePassword');
  const connectNow = vscode.l10n.t('Connect to Environment...');
  const choice = await vscode.window.showInformationMessage(e.title, { modal: true, detail: [...e.reasons, '', ...e.alternatives].join('\n') }, connectNow);
  if (choice === connectNow) onConnect();
}
