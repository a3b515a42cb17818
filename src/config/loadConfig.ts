import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { GatehouseError } from '../errors.js';
import { configSchema, envNames, type ParsedConfig } from './schema.js';

/** The frozen, typed configuration every part receives. Derived values are resolved once here. */
export type Config = Readonly<ParsedConfig & {
  server: ParsedConfig['server'] & { baseUrl: string };
  saml: ParsedConfig['saml'] & { entityId: string };
  auth: ParsedConfig['auth'] & { rpId: string; origin: string };
  /** True when baseUrl is https: cookies get Secure and the __Host- prefix. */
  secureCookies: boolean;
  /** Insecure development defaults in force, each a sentence for the start-up warning. */
  devWarnings: readonly string[];
}>;

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const defaultConfigFile = join(projectRoot, 'config', 'default.yaml');

function readYaml(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new GatehouseError('config_invalid', `config file ${path} cannot be read: ${(e as Error).message}`);
  }
  try {
    const v: unknown = parseYaml(text) ?? {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error('top level must be a mapping');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new GatehouseError('config_invalid', `config file ${path} is not valid YAML: ${(e as Error).message}`);
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = target;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (typeof next !== 'object' || next === null) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

function envValue(raw: string): unknown {
  if (/^-?\d+$/.test(raw)) return Number(raw);
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return raw;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
      ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
      : v;
  }
  return out;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.join('.');
  const env = envNames[key];
  return `${key || '(root)'}${env ? ` (${env})` : ''}: ${issue.message}`;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Extra values merged last, used by tests. */
  overrides?: Record<string, unknown>;
  /** Read config/default.yaml (default true). */
  useDefaultFile?: boolean;
}

/**
 * Loads config: config/default.yaml → GATEHOUSE_CONFIG file → GATEHOUSE_* env → overrides; validates it
 * once and returns a deep-frozen object. A wrong value throws config_invalid naming the key and what is allowed.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  let raw: Record<string, unknown> = {};
  if (options.useDefaultFile !== false && existsSync(defaultConfigFile)) raw = readYaml(defaultConfigFile);
  if (env.GATEHOUSE_CONFIG) raw = deepMerge(raw, readYaml(resolve(env.GATEHOUSE_CONFIG)));
  for (const [path, name] of Object.entries(envNames)) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(raw, path, envValue(v));
  }
  if (options.overrides) raw = deepMerge(raw, options.overrides);

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    // One line per problem, each complete (the CLI prints each as its own `gatehouse: …` line).
    throw new GatehouseError('config_invalid', parsed.error.issues.map((i) => `invalid configuration: ${formatIssue(i)}`).join('\n'));
  }
  const c = parsed.data;
  const devWarnings: string[] = [];
  // Loopback and wildcard addresses become `localhost`: browsers allow WebAuthn there (never on an IP address).
  const hostForUrl = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(c.server.host) ? 'localhost' : c.server.host;
  const baseUrl = (c.server.baseUrl ?? `http://${hostForUrl}:${c.server.port}`).replace(/\/+$/, '');
  const url = new URL(baseUrl);
  if (url.protocol !== 'https:') devWarnings.push(`base URL ${baseUrl} is plain HTTP: use https in production (GATEHOUSE_BASE_URL)`);
  if (!c.secrets.key) devWarnings.push('no GATEHOUSE_SECRET_KEY: secrets at rest are encrypted with a generated development key file');
  const rpId = c.auth.rpId ?? url.hostname;
  const config = {
    ...c,
    server: { ...c.server, baseUrl },
    saml: { ...c.saml, entityId: c.saml.entityId ?? `${baseUrl}/saml/metadata` },
    auth: { ...c.auth, rpId, origin: url.origin },
    secureCookies: url.protocol === 'https:',
    devWarnings,
  };
  return deepFreeze(config);
}
