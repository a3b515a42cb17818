/**
 * Generates docs/configuration.md from the zod schema in src/config/schema.ts, so the configuration
 * reference is never hand-kept. `npm run docs:config` writes the file; `--check` only compares and exits 1
 * when it is stale. test/unit/config/configDocs.test.ts checks that the committed file is current.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify as toYaml } from 'yaml';
import { z } from 'zod';
import { configSchema, envNames } from '../src/config/schema.js';

/** The subset of JSON Schema that z.toJSONSchema produces for our config. */
interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

interface Row { key: string; env: string | undefined; type: string; def: string; description: string }

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const configDocsPath = join(root, 'docs', 'configuration.md');

/** Escapes text for a Markdown table cell: pipes, HTML-looking angle brackets, emphasis stars. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '\\<').replace(/\*/g, '\\*').replace(/\r?\n/g, ' ');
}

/** A code span that survives a table cell (GFM needs pipes escaped even inside code). */
const code = (v: string): string => '`' + v.replace(/`/g, 'ˋ').replace(/\|/g, '\\|') + '`';

/** The allowed values of a leaf, as a reader would say them. */
function describeType(s: JsonSchema): string {
  if (s.anyOf || s.oneOf) return (s.anyOf ?? s.oneOf ?? []).map(describeType).join(' or ');
  if (s.enum) return 'one of ' + s.enum.map((v) => code(String(v))).join(', ');
  if (s.const !== undefined) return code(String(s.const));
  const type = Array.isArray(s.type) ? s.type.join(' or ') : s.type;
  if (type === 'integer' || type === 'number') {
    const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? (type === 'integer' ? s.exclusiveMinimum + 1 : s.exclusiveMinimum) : undefined);
    const hi = s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? s.maximum
      : s.exclusiveMaximum !== undefined ? (type === 'integer' ? s.exclusiveMaximum - 1 : s.exclusiveMaximum) : undefined;
    const loStrict = s.minimum === undefined && s.exclusiveMinimum !== undefined && type !== 'integer';
    if (lo !== undefined && hi !== undefined) return `${type} ${lo}–${hi}`;
    if (lo !== undefined) return `${type} ${loStrict ? '>' : '≥'} ${lo}`;
    if (hi !== undefined) return `${type} ≤ ${hi}`;
    return type;
  }
  if (type === 'string') {
    if (s.format === 'uri') return 'URL';
    if (s.format) return `string (${s.format})`;
    if (s.pattern) return `string matching ${code(s.pattern)}`;
    return 'string';
  }
  if (type === 'array') {
    if (!s.items) return 'list';
    const inner = describeType(s.items);
    return /^[a-z]+$/.test(inner) ? `list of ${inner}s` : `list; each ${inner}`;
  }
  if (type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') return `map of ${describeType(s.additionalProperties)}`;
  return type ?? 'any';
}

function describeDefault(s: JsonSchema): string {
  if (s.default === undefined) return 'unset';
  if (Array.isArray(s.default)) return s.default.length === 0 ? code('[]') : s.default.map((v) => code(String(v))).join('<br>');
  return code(typeof s.default === 'string' ? s.default : JSON.stringify(s.default));
}

/** Flattens nested objects (e.g. auth.argon2.memoryCost) into rows; throws for an option without a description. */
function collectRows(props: Record<string, JsonSchema>, prefix: string, out: Row[]): Row[] {
  for (const [name, s] of Object.entries(props)) {
    const key = `${prefix}.${name}`;
    if (s.type === 'object' && s.properties) {
      collectRows(s.properties, key, out);
      continue;
    }
    if (!s.description) throw new Error(`config option ${key} has no .describe() in src/config/schema.ts: every option needs a description`);
    out.push({ key, env: envNames[key], type: describeType(s), def: describeDefault(s), description: s.description });
  }
  return out;
}

/** Renders the whole configuration reference as Markdown (the content of docs/configuration.md). */
export function renderConfigDocs(): string {
  const json = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const sections = json.properties ?? {};
  const lines: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs:config`. Do not edit by hand. -->',
    '',
    'Gatehouse reads its configuration once at start-up, in this order (later wins):',
    '',
    '1. the defaults below (from the schema),',
    '2. `config/default.yaml`,',
    '3. the YAML file named by `GATEHOUSE_CONFIG`, if set,',
    '4. the `GATEHOUSE_*` environment variables listed below (`true`/`false` become booleans, whole numbers become numbers).',
    '',
    'The result is validated and frozen. A wrong value stops start-up with an error (`config_invalid`) that names the key,',
    'its environment variable and what is allowed. Options without an environment variable are set in the YAML file,',
    'nested by section, e.g. `session:` → `idleSeconds: 900`.',
    '',
    'Development defaults (a plain-HTTP base URL, no `GATEHOUSE_SECRET_KEY`) work out of the box and log a warning at',
    'start-up; set both for production.',
    '',
  ];
  lines.push('## Sections', '');
  for (const [name, s] of Object.entries(sections)) lines.push(`- [\`${name}\`](#${name}) — ${s.description ?? name}`);
  lines.push('');

  for (const [name, s] of Object.entries(sections)) {
    if (s.type !== 'object' || !s.properties) throw new Error(`config section ${name} is not an object`);
    lines.push(`## ${name}`, '', `${s.description ?? name}.`, '');
    lines.push('| key | environment variable | allowed values | default | description |', '|---|---|---|---|---|');
    for (const r of collectRows(s.properties, name, [])) {
      lines.push(`| ${code(r.key)} | ${r.env ? code(r.env) : '—'} | ${cell(r.type)} | ${r.def} | ${cell(r.description)} |`);
    }
    lines.push('');
  }

  const unknownEnv = Object.keys(envNames).filter((k) => !lines.some((l) => l.startsWith(`| ${code(k)} |`)));
  if (unknownEnv.length > 0) throw new Error(`envNames in src/config/schema.ts names keys that are not in the schema: ${unknownEnv.join(', ')}`);

  lines.push(
    '## All defaults as YAML',
    '',
    'A starting point for a `GATEHOUSE_CONFIG` file (options that are unset by default are left out):',
    '',
    '```yaml',
    toYaml(configSchema.parse({})).trimEnd(),
    '```',
    '',
  );
  return lines.join('\n');
}

function main(argv: string[]): void {
  const text = renderConfigDocs();
  if (argv.includes('--check')) {
    let current = '';
    try { current = readFileSync(configDocsPath, 'utf8'); } catch { /* missing counts as stale */ }
    if (current !== text) {
      console.error('docs/configuration.md is out of date: run `npm run docs:config`');
      process.exit(1);
    }
    console.log('docs/configuration.md is current');
    return;
  }
  writeFileSync(configDocsPath, text);
  console.log(`wrote ${configDocsPath}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
