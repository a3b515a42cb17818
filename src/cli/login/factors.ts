/** The factors a CLI session can be bound to (docs/cli-api.md), and how each is named to a person. */
export const cliFactors = ['totp', 'webauthn', 'recovery'] as const;
export type CliFactor = (typeof cliFactors)[number];

/** How each factor is named in the CLI's messages. */
export const factorNames: Readonly<Record<CliFactor, string>> = { totp: 'authenticator app', webauthn: 'security key', recovery: 'recovery code' };
