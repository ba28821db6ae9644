import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { registerSecret, type Logger } from '../../core/logger';
import type { Connection, SignInFlow } from '../../auth/connection';
import type { ConnectionManager, ConnectionSecret, DiscoveredEnvironment } from '../../auth/connectionManager';
import { explainUnsupportedFlow, getFlows, type FlowEnvironment } from '../../auth/flows';
import { certificateFromPem, pemFromPfx, PfxPasswordError } from '../../auth/msal/certificateCredential';
import { distinctName, findSameConnection, isLabelTaken } from '../../auth/connectionIdentity';
import { probeOrg } from '../../auth/orgProbe';
import { normalizeOrgUrl, sameOrg } from '../../auth/orgUrl';
import { withSignInProgress } from './signInProgress';
import { DATAVERSE_PUBLIC_CLIENT_ID } from './constants';
import { readAuthSettings, type AuthSettings } from './settings';
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

/**
 * The environment URL, checked in the input box itself: as it is typed, then
 * on Enter by asking the org for its sign-in challenge while the box shows it
 * is busy. Any problem is shown under the box, which stays open with what was
 * typed; Esc ends the conversation quietly.
 */
function askOrgUrl(manager: ConnectionManager, title: string, settings: AuthSettings, initial: string | undefined): Promise<{ org: { url: string }; authorityHost: string; tenantId: string }> {
  return new Promise((resolve, reject) => {
    const box = vscode.window.createInputBox();
    box.title = title;
    box.prompt = vscode.l10n.t('Environment URL, e.g. https://contoso{0} (copy it from make.powerapps.com)', settings.cloud.defaultOrgHostSuffix);
    box.value = initial ?? '';
    box.ignoreFocusOut = true;
    let probing: AbortController | undefined;
    let settled = false;
    const finish = (settle: () => void) => {
      settled = true;
      probing?.abort();
      settle();
      box.dispose();
    };
    const check = (value: string) => {
      const result = normalizeOrgUrl(value, settings.cloudId);
      box.validationMessage = result.ok || !value.trim() ? undefined : { message: result.reason, severity: vscode.InputBoxValidationSeverity.Error };
      return result;
    };
    box.onDidChangeValue((value) => {
      probing?.abort();
      box.busy = false;
      check(value);
    });
    box.onDidAccept(async () => {
      const result = check(box.value);
      if (!result.ok) {
        box.validationMessage = { message: result.reason, severity: vscode.InputBoxValidationSeverity.Error };
        return;
      }
      if (box.busy) return;
      const abort = new AbortController();
      probing = abort;
      box.busy = true;
      box.validationMessage = { message: vscode.l10n.t('Contacting {0}...', result.url), severity: vscode.InputBoxValidationSeverity.Info };
      const probe = await probeOrg(result.url, settings, (url) => manager.discoverAuthority(url, abort.signal));
      if (abort.signal.aborted || settled) return;
      probing = undefined;
      box.busy = false;
      if (probe.ok) finish(() => resolve({ org: result, authorityHost: probe.authorityHost, tenantId: probe.tenantId }));
      else if ('message' in probe) box.validationMessage = { message: probe.message, severity: vscode.InputBoxValidationSeverity.Error };
    });
    box.onDidHide(() => {
      if (!settled) finish(() => reject(new Dismissed('dismissed')));
    });
    box.show();
    if (initial) check(initial);
  });
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
    // 1. The org URL, validated as it is typed, then asked for its tenant and authority (its own 401 challenge).
    const { org, authorityHost, tenantId } = await askOrgUrl(manager, title, settings, options.orgUrl);
    log.info(`Connecting to ${org.url}: tenant ${tenantId}, authority ${authorityHost}.`);

    // 3. How to sign in.
    const flows = getFlows(flowEnvironment());
    const picks: FlowPick[] = flows.map((f) => ({ label: f.label, detail: f.detail, description: f.isDefault ? vscode.l10n.t('recommended here') : undefined, flow: f.flow }));
    const userFlows = picks.filter((p) => p.flow === 'interactive' || p.flow === 'deviceCode');
    picks.push(
      ...userFlows.map((p) => ({ ...p, label: vscode.l10n.t('{0} with my own app registration...', p.label), description: undefined, detail: vscode.l10n.t('Uses a public client app registered in your tenant.'), customClient: true })),
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
    if (picked.flow === 'clientSecret' || picked.flow === 'certificate') {
      const entered = await askAppSecret(title, picked.flow);
      thumbprint = entered.thumbprint;
      secret = entered.secret;
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
    const { token, identity } = await withSignInProgress(vscode.l10n.t('Signing in to {0}', org.url), async (signal, onDeviceCode) => {
      const signedIn = await manager.signInDraft(draft, secret, signal, onDeviceCode);
      try {
        return { token: signedIn.token, identity: await manager.testDraft(draft, signal) };
      } catch (error) {
        await manager.discardDraft(draft.id);
        throw error;
      }
    });

    // The same org and identity as a saved connection: sign that one back in (and update it) instead of saving a twin.
    const same = findSameConnection(manager.list(), {
      orgUrl: draft.orgUrl,
      flow: draft.flow,
      clientId: draft.clientId,
      ...(token.account ? { homeAccountId: token.account.homeAccountId, username: token.account.username } : {}),
    });
    if (same) {
      const updated = await manager.adoptDraft(draft, same, {
        flow: draft.flow,
        clientId: draft.clientId,
        tenantId: draft.tenantId,
        authorityHost: draft.authorityHost,
        ...(draft.certificateThumbprint ? { certificateThumbprint: draft.certificateThumbprint } : {}),
        ...(token.account ? { accountHint: token.account.username, homeAccountId: token.account.homeAccountId } : {}),
        accountName: identity.fullName || token.account?.name || same.accountName || clientId,
      });
      log.info(`"${updated.name}" already connects ${updated.orgUrl} as this identity: signed it back in instead of adding a duplicate.`);
      void vscode.window.showInformationMessage(vscode.l10n.t('{0} was already connected as {1}: it is signed in again and active.', updated.name, updated.accountName ?? ''));
      return { connection: updated, environments: [] };
    }

    // 6. Name it, and say whether it is production.
    // One discovery call serves both the name offered here and the other environments offered afterwards.
    let environments: DiscoveredEnvironment[] = [];
    try {
      environments = await manager.discoverEnvironments(draft);
    } catch (error) {
      log.warn(`Global Discovery did not answer for ${draft.orgUrl}: ${error instanceof Error ? error.message : String(error)}`);
    }
    // App connections get no answer from Global Discovery: the org itself gives its friendly name, as for people.
    const discovered = environments.find((e) => sameOrg(e.url, draft.orgUrl))?.friendlyName;
    const fromOrg = discovered ? undefined : await manager.currentOrganization(draft).catch((error: unknown) => void log.warn(`RetrieveCurrentOrganization did not answer for ${draft.orgUrl}: ${error instanceof Error ? error.message : String(error)}`));
    const friendly = discovered || fromOrg?.friendlyName || identity.organizationName || new URL(draft.orgUrl).hostname;
    const accountName = identity.fullName || token.account?.name || clientId;
    const name = await vscode.window.showInputBox({
      title,
      prompt: vscode.l10n.t('Connected as {0}. Name this connection:', identity.fullName || token.account?.username || clientId),
      value: distinctName(friendly, accountName, manager.list()),
      ignoreFocusOut: true,
      validateInput: (v) => {
        if (!v.trim()) return vscode.l10n.t('A name is needed to tell connections apart.');
        return isLabelTaken(v, accountName, manager.list()) ? vscode.l10n.t('Another connection is already called {0} for {1}; choose a name that tells them apart.', v.trim(), accountName) : undefined;
      },
    });
    if (name === undefined) {
      await manager.discardDraft(draft.id);
      return undefined;
    }
    const yes = vscode.l10n.t('Yes, this is production');
    const no = vscode.l10n.t('No');
    // A short question: the place holder is cut where it meets the box's edge. What the answer changes is on the answer.
    const production = (
      await vscode.window.showQuickPick([{ label: no }, { label: yes, detail: vscode.l10n.t('Marked with a warning in the status bar and the tree.') }], {
        title,
        placeHolder: vscode.l10n.t('Is {0} a production environment?', name.trim()),
        ignoreFocusOut: true,
      })
    )?.label;
    // Esc here ends the conversation as it does at every other step: nothing is kept.
    if (production === undefined) {
      await manager.discardDraft(draft.id);
      return undefined;
    }
    const connection: Connection = {
      ...draft,
      name: name.trim(),
      tags: production === yes ? ['production'] : [],
      ...(token.account ? { accountHint: token.account.username, homeAccountId: token.account.homeAccountId } : {}),
      accountName,
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

/** The client secret or certificate of an app connection, asked for (a new connection, or Sign In after Sign Out). */
async function askAppSecret(title: string, flow: 'clientSecret' | 'certificate'): Promise<{ secret: ConnectionSecret; thumbprint?: string }> {
  if (flow === 'certificate') {
    const certificate = await pickCertificate(title);
    return { secret: { kind: 'certificate', privateKeyPem: certificate.privateKeyPem, certificatePem: certificate.certificatePem }, thumbprint: certificate.thumbprint };
  }
  const value = required(
    await vscode.window.showInputBox({
      title,
      prompt: vscode.l10n.t('Client secret value (not the secret id). It is kept in VS Code\'s secret storage only.'),
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim().length >= 8 ? undefined : vscode.l10n.t('That is too short for a client secret; copy the Value column of Certificates & secrets.')),
    }),
  );
  registerSecret(value);
  return { secret: { kind: 'clientSecret', clientSecret: value.trim() } };
}

/**
 * Signs a saved connection in again (the Sign In action, the error's Sign In
 * button, another extension asking for its session): the browser or the code
 * for people, the secret or certificate entered again for apps. Returns the
 * connection, now active, or undefined when the person cancelled.
 */
export async function signInAgain(manager: ConnectionManager, log: Logger, connection: Connection): Promise<Connection | undefined> {
  const title = vscode.l10n.t('Sign in to {0}', connection.name);
  try {
    if (connection.flow === 'clientSecret' || connection.flow === 'certificate') {
      const { secret, thumbprint } = await askAppSecret(title, connection.flow);
      if (thumbprint && connection.certificateThumbprint && thumbprint !== connection.certificateThumbprint) {
        await manager.save({ ...connection, certificateThumbprint: thumbprint });
      }
      await withSignInProgress(vscode.l10n.t('Signing in to {0}', connection.name), (signal) => manager.signInWithSecret(connection.id, secret, signal));
    } else {
      await withSignInProgress(vscode.l10n.t('Signing in to {0}', connection.name), (signal, onDeviceCode) => manager.reauthenticate(connection.id, signal, onDeviceCode));
    }
    await manager.setActive(connection.id);
    log.info(`Signed in to "${connection.name}" again.`);
    void vscode.window.showInformationMessage(vscode.l10n.t('Signed in to {0} again.', connection.name));
    return manager.get(connection.id);
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
