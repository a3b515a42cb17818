/**
 * The sign-in factors: the one list of their names, the types derived from it, and what each factor is.
 * Every other module takes factor names, labels and rules from here (STYLE.md: derive a list from one constant).
 *
 * Adding a factor is one entry in `factors` and `factorFacts` and one strategy in `strategies/registry.ts`;
 * the compiler then lists the rest. This module imports nothing, so the store (column types, row validation),
 * the directory file and aws/ (the AuthMethod tag) derive their types from it without depending on the auth code.
 */

/** Every factor, in the order pages list them. */
export const factors = ['password', 'totp', 'webauthn', 'recovery'] as const;
export type Factor = (typeof factors)[number];

/** What pages call a factor. */
export interface FactorLabel {
  /** Its name in a list or a table: "Authenticator app". */
  readonly name: string;
  /** In a sentence ("needs …", "Verify with your …"): "authenticator app". */
  readonly noun: string;
  /** The link on the MFA page that switches to it. */
  readonly use: string;
  /** The heading of its form. */
  readonly heading: string;
  /** One sentence on what it is (enrollment choices). */
  readonly hint: string;
  /** What a person without it is invited to do (a role that needs it, a step-up): "Add a security key". */
  readonly add: string;
}

/** What one factor is. */
export interface FactorFacts {
  /** `first` names the person and starts a sign-in; `second` completes it (MFA). */
  readonly step: 'first' | 'second';
  /** Proved with a registered device; `mfa_devices.kind` of that device is then the factor's name. */
  readonly device: boolean;
  /** Bound to the site's origin, so a phishing page cannot relay it. The MFA page offers it first. */
  readonly phishingResistant: boolean;
  /** The `PrincipalTag:AuthMethod` value of a session completed with it (AWS-SAML.md); null for a first factor. */
  readonly authMethod: string | null;
  /** The role requirements (`require:` in the directory file) that using this factor meets. */
  readonly meets: readonly Factor[];
  readonly label: FactorLabel;
}

/** The facts of every factor. A factor without facts, or facts of no factor, is a compile error. */
export const factorFacts = {
  password: {
    step: 'first', device: false, phishingResistant: false, authMethod: null, meets: [],
    label: { name: 'Password', noun: 'password', use: 'Use your password', heading: 'Sign in', hint: 'The password of your account.', add: 'Set a password' },
  },
  totp: {
    step: 'second', device: true, phishingResistant: false, authMethod: 'totp', meets: ['totp'],
    label: {
      name: 'Authenticator app', noun: 'authenticator app', use: 'Use your authenticator app', heading: 'Enter your code',
      hint: 'An app on your phone such as Google Authenticator, Microsoft Authenticator or 1Password shows a new 6-digit code every 30 seconds.',
      add: 'Add an authenticator app',
    },
  },
  webauthn: {
    step: 'second', device: true, phishingResistant: true, authMethod: 'webauthn', meets: ['totp', 'webauthn'],
    label: {
      name: 'Security key or passkey', noun: 'security key', use: 'Use your security key or passkey', heading: 'Use your security key',
      hint: 'A USB or NFC key (such as a YubiKey), or a passkey on this device.',
      add: 'Add a security key',
    },
  },
  recovery: {
    step: 'second', device: false, phishingResistant: false, authMethod: 'recovery', meets: [],
    label: {
      name: 'Recovery code', noun: 'recovery code', use: 'Use a recovery code', heading: 'Use a recovery code',
      hint: 'One of the codes you saved when you set up two-step verification; each works once.',
      add: 'Make recovery codes',
    },
  },
} as const satisfies { readonly [F in Factor]: FactorFacts };

type Facts = typeof factorFacts;
/** The factors whose fact `K` is `V`. */
type FactorsWhere<K extends keyof FactorFacts, V> = { [F in Factor]: Facts[F][K] extends V ? F : never }[Factor];

/** The factor that names the person and starts a sign-in (the password). */
export type FirstFactor = FactorsWhere<'step', 'first'>;
/** A factor that completes a sign-in: what a full session carries besides the first factor. */
export type SecondFactor = FactorsWhere<'step', 'second'>;
/** A factor proved with a registered device; also the `kind` of an MFA device. */
export type DeviceFactor = FactorsWhere<'device', true>;
/** What a role mapping may require (`require:`), and what a step-up asks for. */
export type RequiredFactor = Facts[Factor]['meets'][number];
/** A `PrincipalTag:AuthMethod` value. */
export type AuthMethod = NonNullable<Facts[Factor]['authMethod']>;

/** True when `value` is a factor's name (for values read from requests, rows and files). */
export function isFactor(value: unknown): value is Factor {
  return typeof value === 'string' && (factors as readonly string[]).includes(value);
}

export function isFirstFactor(value: unknown): value is FirstFactor {
  return isFactor(value) && factorFacts[value].step === 'first';
}

export function isSecondFactor(value: unknown): value is SecondFactor {
  return isFactor(value) && factorFacts[value].step === 'second';
}

export function isDeviceFactor(value: unknown): value is DeviceFactor {
  return isFactor(value) && factorFacts[value].device;
}

export function isRequiredFactor(value: unknown): value is RequiredFactor {
  return isFactor(value) && factors.some((f) => (factorFacts[f].meets as readonly Factor[]).includes(value));
}

/** The second factors, in list order. */
export const secondFactors: readonly SecondFactor[] = factors.filter(isSecondFactor);
/** The device factors (= the MFA device kinds), in list order. */
export const deviceFactors: readonly DeviceFactor[] = factors.filter(isDeviceFactor);
/** What a role may require, in list order. */
export const requiredFactors: readonly RequiredFactor[] = factors.filter(isRequiredFactor);

/** The strongest factor a role may require (phishing-resistant first): what a step-up asks for when none is named. */
export const strongestRequiredFactor: RequiredFactor = requiredFactors.find((f) => factorFacts[f].phishingResistant) ?? requiredFactors[0]!;

/** Each factor by name, for code about one factor (its routes, its devices): `factorName.webauthn`. */
export const factorName = Object.fromEntries(factors.map((f) => [f, f])) as { readonly [F in Factor]: F };

/** True when having used `used` meets a role's requirement `required` (a security key also meets `require: totp`). */
export function meetsRequirement(used: Factor, required: RequiredFactor): boolean {
  return (factorFacts[used].meets as readonly Factor[]).includes(required);
}

/**
 * What a step-up for `required` asks for, given the device factors the person has (`has`): `required` itself when
 * they have it, else another of theirs that meets it (phishing-resistant first); undefined when none does, and the
 * person must first add a device ("Add a security key", `factorFacts[required].label.add`).
 */
export function stepUpFactor(has: readonly DeviceFactor[], required: RequiredFactor): DeviceFactor | undefined {
  const meeting = deviceFactors.filter((f) => has.includes(f) && meetsRequirement(f, required));
  return meeting.find((f) => f === required) ?? meeting.find((f) => factorFacts[f].phishingResistant) ?? meeting[0];
}

/** The `PrincipalTag:AuthMethod` value of a session completed with `factor`; undefined for a first factor or a non-factor. */
export function authMethodOf(factor: unknown): AuthMethod | undefined {
  return isFactor(factor) ? factorFacts[factor].authMethod ?? undefined : undefined;
}

/**
 * The `PrincipalTag:AuthMethod` values of the second factors that meet `required`, in list order
 * (`totp` → totp and webauthn; `webauthn` → webauthn): what an IAM trust policy may accept for a role that needs it.
 */
export function authMethodsMeeting(required: RequiredFactor): AuthMethod[] {
  return secondFactors.filter((f) => meetsRequirement(f, required)).map((f) => factorFacts[f].authMethod);
}
