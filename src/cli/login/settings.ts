/**
 * What a command works with: the Gatehouse URL and the defaults for a profile, from the command line
 * first, then the profile's `gatehouse_*` keys in ~/.aws/config (written by `gatehouse configure`), then
 * GATEHOUSE_URL, then the one Gatehouse the CLI has a saved session for.
 */
import { GatehouseError } from '../../errors.js';
import { readConfigProfile } from './awsFiles.js';
import { normaliseGatehouseUrl } from './gatehouseUrl.js';
import { savedGatehouseUrls } from './sessionStore.js';

/** How to sign in when a sign-in is needed. */
export const loginMethods = ['browser', 'device', 'terminal'] as const;
export type LoginMethod = (typeof loginMethods)[number];

/** The keys `gatehouse configure` writes into a config-file profile. */
export const profileKeys = {
  url: 'gatehouse_url', role: 'gatehouse_role', account: 'gatehouse_account', duration: 'gatehouse_duration',
  login: 'gatehouse_login', username: 'gatehouse_username', region: 'region',
} as const;

/** Options most commands share. */
export interface CommonFlags {
  url?: string;
  profile?: string;
  role?: string;
  account?: string;
  duration?: string;
  region?: string;
  verbose?: boolean;
}

export interface Settings {
  url: string;
  profile: string | undefined;
  role: string | undefined;
  account: string | undefined;
  /** Seconds, from --duration or the profile; undefined = the role mapping's session duration. */
  duration: number | undefined;
  durationFromFlag: boolean;
  flagRegion: string | undefined;
  profileRegion: string | undefined;
  login: LoginMethod | undefined;
  username: string | undefined;
}

/** A DurationSeconds value for AssumeRoleWithSAML (900–43200, AWS's limits). */
export function parseDuration(value: string, where = '--duration'): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n) || n < 900 || n > 43200) throw new GatehouseError('validation_failed', `${where} ${value}: give seconds between 900 and 43200 (AWS's limits)`);
  return n;
}

/** The Gatehouse URL alone (for whoami and logout, which need no role). */
export function resolveUrl(flags: Pick<CommonFlags, 'url' | 'profile'>): string {
  const fromProfile = flags.profile ? readConfigProfile(flags.profile)?.[profileKeys.url] : undefined;
  const chosen = flags.url ?? fromProfile ?? (process.env.GATEHOUSE_URL || undefined);
  if (chosen) return normaliseGatehouseUrl(chosen);
  const saved = savedGatehouseUrls();
  if (saved.length === 1) return saved[0]!;
  if (flags.profile) throw new GatehouseError('validation_failed', `profile ${flags.profile} names no Gatehouse: run gatehouse configure --profile ${flags.profile}, or pass --url`);
  throw new GatehouseError('validation_failed', 'which Gatehouse? pass --url https://idp.example.com, set GATEHOUSE_URL, or run gatehouse configure');
}

/** Everything a credentials command needs, with the precedence described above. */
export function resolveSettings(flags: CommonFlags): Settings {
  const p = flags.profile ? readConfigProfile(flags.profile) ?? {} : {};
  const loginValue = p[profileKeys.login];
  if (loginValue !== undefined && !(loginMethods as readonly string[]).includes(loginValue)) {
    throw new GatehouseError('validation_failed', `profile ${flags.profile}: ${profileKeys.login} = ${loginValue} is not one of ${loginMethods.join(', ')}`);
  }
  const durationText = flags.duration ?? p[profileKeys.duration];
  return {
    url: resolveUrl(flags),
    profile: flags.profile,
    role: flags.role ?? p[profileKeys.role],
    account: flags.account ?? (flags.role ? undefined : p[profileKeys.account]),
    duration: durationText === undefined ? undefined : parseDuration(durationText, flags.duration !== undefined ? '--duration' : `${profileKeys.duration} of profile ${flags.profile}`),
    durationFromFlag: flags.duration !== undefined,
    flagRegion: flags.region,
    profileRegion: p[profileKeys.region],
    login: loginValue as LoginMethod | undefined,
    username: p[profileKeys.username],
  };
}
