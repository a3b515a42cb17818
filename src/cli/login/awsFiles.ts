/**
 * The AWS CLI's own files, where the SDKs look for them: ~/.aws/config (or AWS_CONFIG_FILE) and
 * ~/.aws/credentials (or AWS_SHARED_CREDENTIALS_FILE). Edits go through awsIni.ts (only the named keys
 * change) and writeFileAtomic (the credentials file is always mode 0600).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GatehouseError } from '../../errors.js';
import { configSectionName, readIniSection, setIniSection } from './awsIni.js';
import { writeFileAtomic } from './writeFileAtomic.js';

const expandHome = (p: string): string => (p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p);

/** Path of the AWS config file. */
export function awsConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return expandHome(env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config'));
}

/** Path of the AWS shared credentials file. */
export function awsCredentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  return expandHome(env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), '.aws', 'credentials'));
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}

/** The keys of profile `profile` in the config file, or undefined when there is no such profile. */
export function readConfigProfile(profile: string): Record<string, string> | undefined {
  return readIniSection(readText(awsConfigPath()), configSectionName(profile));
}

/** Sets keys of a config-file profile (undefined removes a key); keeps the file's mode (0600 when new). */
export function updateConfigProfile(profile: string, values: Readonly<Record<string, string | undefined>>): string {
  const path = awsConfigPath();
  writeFileAtomic(path, setIniSection(readText(path), configSectionName(profile), values), 'keep');
  return path;
}

/** Temporary AWS credentials, as STS returns them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** What goes into one credentials-file profile. */
export interface CredentialsProfile {
  profile: string;
  credentials: AwsCredentials;
  /** The role these credentials are for (`alias/RoleName`), kept next to them for `gatehouse whoami`. */
  role: string;
}

/**
 * Writes profiles into the credentials file in one atomic write (mode 0600). Refuses to overwrite a
 * profile that holds long-term keys (an access key without a session token that Gatehouse did not write).
 */
export function writeCredentialsProfiles(profiles: readonly CredentialsProfile[]): string {
  const path = awsCredentialsPath();
  let text = readText(path);
  for (const p of profiles) {
    const existing = readIniSection(text, p.profile);
    if (existing?.aws_access_key_id && !existing.aws_session_token && !existing.gatehouse_role) {
      throw new GatehouseError('conflict', `profile ${p.profile} in ${path} holds long-term access keys: choose another name with --profile`);
    }
    text = setIniSection(text, p.profile, {
      aws_access_key_id: p.credentials.accessKeyId,
      aws_secret_access_key: p.credentials.secretAccessKey,
      aws_session_token: p.credentials.sessionToken,
      aws_security_token: undefined,
      gatehouse_role: p.role,
      gatehouse_expiration: p.credentials.expiration.toISOString(),
    });
  }
  writeFileAtomic(path, text, 0o600);
  return path;
}
