/**
 * Reads and edits the INI files of the AWS CLI and SDKs (~/.aws/config, ~/.aws/credentials) line by line,
 * so that an edit changes only the keys it names: other sections, other keys, comments, blank lines,
 * nested values (`s3 =` followed by indented lines) and line endings stay as they were. Pure; no I/O.
 *
 * Section names follow botocore: `[default]`, `[profile NAME]` in the config file, `[NAME]` in the
 * credentials file; whitespace inside the brackets is not significant.
 */

const headerPattern = /^\s*\[\s*([^\]]*?)\s*\]\s*(?:[#;].*)?$/;
const keyPattern = /^([^\s=#;[][^=]*?)\s*=\s*(.*?)\s*$/;

/** The section name of profile `profile` in the config file (`default` or `profile NAME`). */
export function configSectionName(profile: string): string {
  return profile === 'default' ? 'default' : `profile ${profile}`;
}

const normalise = (name: string): string => name.trim().replace(/\s+/g, ' ');

function splitLines(text: string): { lines: string[]; eol: string } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text === '' ? [] : text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop(); // the final newline
  return { lines, eol };
}

/** Index range [start, end) of a section's body (after its header), or undefined. The first match wins, as in botocore. */
function findSection(lines: readonly string[], name: string): { header: number; end: number } | undefined {
  const wanted = normalise(name);
  let header = -1;
  for (let i = 0; i < lines.length; i++) {
    const m = headerPattern.exec(lines[i]!);
    if (!m) continue;
    if (header >= 0) return { header, end: i };
    if (normalise(m[1]!) === wanted) header = i;
  }
  return header >= 0 ? { header, end: lines.length } : undefined;
}

const isIndented = (line: string): boolean => /^\s+\S/.test(line);
const isComment = (line: string): boolean => /^\s*[#;]/.test(line);

/** The names of all sections, in file order. */
export function listIniSections(text: string): string[] {
  const out: string[] = [];
  for (const line of splitLines(text).lines) {
    const m = headerPattern.exec(line);
    if (m) out.push(normalise(m[1]!));
  }
  return out;
}

/** The top-level `key = value` pairs of a section (nested values are skipped), or undefined when it is absent. */
export function readIniSection(text: string, section: string): Record<string, string> | undefined {
  const { lines } = splitLines(text);
  const found = findSection(lines, section);
  if (!found) return undefined;
  const values: Record<string, string> = {};
  for (let i = found.header + 1; i < found.end; i++) {
    const line = lines[i]!;
    if (isIndented(line) || isComment(line)) continue;
    const m = keyPattern.exec(line);
    if (m) values[m[1]!.trim()] = m[2]!;
  }
  return values;
}

/**
 * Returns `text` with section `section` holding `values`: a key with a string value is replaced in place
 * (or added at the end of the section), a key with `undefined` is removed; a missing section is appended.
 * Everything else is kept byte for byte.
 */
export function setIniSection(text: string, section: string, values: Readonly<Record<string, string | undefined>>): string {
  for (const [k, v] of Object.entries(values)) {
    if (!keyPattern.test(`${k} = x`) || /[\r\n]/.test(k) || (v !== undefined && /[\r\n]/.test(v))) {
      throw new RangeError(`cannot write ${JSON.stringify(k)} into an AWS INI file`);
    }
  }
  const { lines, eol } = splitLines(text);
  const found = findSection(lines, section);
  const pending = new Map(Object.entries(values));
  if (!found) {
    const add = [...pending].filter(([, v]) => v !== undefined).map(([k, v]) => `${k} = ${v}`);
    if (add.length === 0) return text;
    const prefix = lines.length > 0 && lines[lines.length - 1]!.trim() !== '' ? [''] : [];
    return [...lines, ...prefix, `[${section}]`, ...add].join(eol) + eol;
  }
  const body: string[] = [];
  for (let i = found.header + 1; i < found.end; i++) {
    const line = lines[i]!;
    const m = isIndented(line) || isComment(line) ? null : keyPattern.exec(line);
    const key = m?.[1]?.trim();
    if (key === undefined || !pending.has(key)) { body.push(line); continue; }
    const value = pending.get(key);
    pending.delete(key);
    while (i + 1 < found.end && isIndented(lines[i + 1]!)) i++; // drop the old value's nested lines
    if (value !== undefined) body.push(`${key} = ${value}`);
  }
  const add = [...pending].filter(([, v]) => v !== undefined).map(([k, v]) => `${k} = ${v}`);
  // New keys go after the section's last key, before trailing blank lines and comments (which usually
  // introduce the next section).
  let at = 0;
  body.forEach((line, i) => { if (isIndented(line) || (!isComment(line) && keyPattern.test(line))) at = i + 1; });
  body.splice(at, 0, ...add);
  return [...lines.slice(0, found.header + 1), ...body, ...lines.slice(found.end)].join(eol) + eol;
}
