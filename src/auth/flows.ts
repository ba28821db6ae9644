import type { SignInFlow } from './connection';

/** Where VS Code runs, as far as choosing a sign-in flow is concerned. */
export interface FlowEnvironment {
  /** `vscode.env.uiKind`: the desktop app, or VS Code in a browser. */
  readonly uiKind: 'desktop' | 'web';
  /** `vscode.env.remoteName`: 'ssh-remote', 'wsl', 'codespaces', 'dev-container', 'tunnel'...; undefined when local. */
  readonly remoteName?: string;
}

/** One sign-in flow as a picker shows it. */
export interface FlowOption {
  /** The flow. */
  readonly flow: SignInFlow;
  /** Who signs in: a person, or an app registration on its own. */
  readonly identity: 'user' | 'app';
  /** Short name for the picker. */
  readonly label: string;
  /** One sentence on when to choose it. */
  readonly detail: string;
  /** True for the one flow preselected in this environment. */
  readonly isDefault: boolean;
}

/** Flows we deliberately do not offer. */
export type UnsupportedFlow = 'usernamePassword' | 'managedIdentity';

/** Why a flow is not offered, and what to use instead. */
export interface UnsupportedFlowExplanation {
  /** The flow asked about. */
  readonly flow: UnsupportedFlow;
  /** One plain sentence. */
  readonly title: string;
  /** The reasons, one sentence each. */
  readonly reasons: readonly string[];
  /** What to use instead, one sentence each. */
  readonly alternatives: readonly string[];
}

/**
 * The longest detail line offered: the quick pick cuts longer ones with "...",
 * and a caveat cut in the middle ("so this ...") says nothing.
 */
export const MAX_DETAIL_LENGTH = 72;

const REMOTE_BROWSER_DETAIL = "Works only if the browser runs where VS Code's server runs.";

const LABELS: Readonly<Record<SignInFlow, { identity: 'user' | 'app'; label: string; detail: string }>> = {
  interactive: {
    identity: 'user',
    label: 'Sign in with a browser',
    detail: 'Opens your browser here; supports MFA and Conditional Access.',
  },
  deviceCode: {
    identity: 'user',
    label: 'Sign in with a code',
    detail: 'Type a code in a browser on any device; works over SSH, in Codespaces.',
  },
  clientSecret: {
    identity: 'app',
    label: 'App registration with a client secret',
    detail: 'App id and secret of an application user; the tenant is found for you.',
  },
  certificate: {
    identity: 'app',
    label: 'App registration with a certificate',
    detail: 'Signs in as an application user with a certificate instead of a secret.',
  },
};

/** True when the extension host is not on the machine whose browser the person uses. */
export function isRemoteEnvironment(env: FlowEnvironment): boolean {
  return env.uiKind === 'web' || Boolean(env.remoteName);
}

/**
 * The sign-in flows to offer, best first; the first is the default.
 *
 * - Desktop, local: the browser flow first: msal-node's loopback listener is
 *   on this machine, so the browser can reach it.
 * - Desktop, remote (SSH, WSL, dev container, tunnel, Codespaces in the
 *   desktop app): the code first, because the loopback listener runs on the
 *   remote machine and only works when VS Code forwards its port. The
 *   browser flow stays offered for setups where forwarding works.
 * - Browser (vscode.dev, Codespaces in a browser): the code only for a
 *   person; the browser cannot post the answer to a localhost port of the
 *   remote host.
 * - App flows are offered everywhere, after the user flows: they need no
 *   browser at all.
 */
export function getFlows(env: FlowEnvironment): FlowOption[] {
  let order: SignInFlow[];
  if (env.uiKind === 'web') {
    // In a browser the sign-in loopback runs on VS Code's server. It works
    // when the browser runs on that same machine (code-server on your own
    // computer), not in Codespaces: so the browser flow is offered last, with
    // that caveat, and the device code is the default.
    order = ['deviceCode', 'clientSecret', 'certificate', 'interactive'];
  } else if (env.remoteName) {
    order = ['deviceCode', 'interactive', 'clientSecret', 'certificate'];
  } else {
    order = ['interactive', 'deviceCode', 'clientSecret', 'certificate'];
  }
  return order.map((flow, index) => ({
    flow,
    ...LABELS[flow],
    ...(flow === 'interactive' && isRemoteEnvironment(env) ? { detail: REMOTE_BROWSER_DETAIL } : {}),
    isDefault: index === 0,
  }));
}

/** Why a flow people ask for is not offered, and what to use instead. */
export function explainUnsupportedFlow(flow: UnsupportedFlow): UnsupportedFlowExplanation {
  switch (flow) {
    case 'usernamePassword':
      return {
        flow,
        title: 'Signing in with a user name and password typed into VS Code is not supported.',
        reasons: [
          'It cannot do multi-factor authentication, so it fails for any account with MFA (AADSTS50076), which Microsoft now requires for admin and portal sign-ins.',
          'Microsoft deprecates this flow (resource owner password credentials) and advises against it.',
          'Conditional Access policies block it (AADSTS53003), and it never works for federated or passwordless accounts.',
          'It would mean the extension handling your password; the other flows never see it.',
        ],
        alternatives: [
          'Sign in with a browser: the same account, with MFA, in your own browser.',
          'Sign in with a code when VS Code runs remotely or in a browser.',
          'For unattended use, create an app registration and sign in with a client secret or certificate as an application user.',
        ],
      };
    case 'managedIdentity':
      return {
        flow,
        title: 'Managed identity does not apply to an editor.',
        reasons: [
          'A managed identity belongs to an Azure resource (a VM, an App Service, a Function) and is only reachable from code running on that resource.',
          'VS Code runs on your computer or a dev box as you, so there is no managed identity to use, and reaching one from a dev VM would sign in as the VM, not as you.',
        ],
        alternatives: [
          'Sign in as yourself with a browser or a code.',
          'To act as an application, use an app registration with a client secret or certificate.',
          'Keep managed identity for the deployed service that calls Dataverse, not for the editor.',
        ],
      };
  }
}
