import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  configurableTagKeyProblem, foldTagKey, hasAwsPrefix, isReservedTagKey, isValidTagKey, isValidTagValue, lintTags,
  lintTransitiveTagKeys, maxSessionTags, tagKeyViolations,
} from '../../../src/aws/tags.js';

const rules = (v: { rule: string }[]): string[] => v.map((x) => x.rule);
const one = (key: string, value = 'v') => ({ key, values: [value] });

describe('aws/tags', () => {
  it('keys: 1–128 letters, digits, spaces and _.:/=+-@, counted in code points and in UTF-16 units', () => {
    for (const ok of ['CostCenter', 'a', 'Zürich Ops 1/2:+=@-_.', 'k'.repeat(128), '東京', 'x y']) assert.ok(isValidTagKey(ok), ok);
    for (const bad of ['', 'k'.repeat(129), 'a,b', 'a#b', 'a&b', 'a<b', 'a\tb', 'a\nb', 'a;b', 'a"b']) assert.equal(isValidTagKey(bad), false, JSON.stringify(bad));
    // 𝐀 is one letter (one code point) but two UTF-16 units: 65 of them pass a code-point count of 128 only.
    assert.equal(isValidTagKey('𝐀'.repeat(64)), true);
    assert.equal(isValidTagKey('𝐀'.repeat(65)), false);
  });

  it('the aws: prefix is refused in any case, and reported apart from the characters', () => {
    for (const k of ['aws:x', 'AWS:x', 'Aws:CostCenter']) {
      assert.equal(isValidTagKey(k), false, k);
      assert.deepEqual(rules(tagKeyViolations(k)), ['tag.key.aws_prefix']);
    }
    assert.ok(isValidTagKey('awsx:y'));
    assert.ok(isValidTagKey('my:aws:key'));
    assert.deepEqual(rules(tagKeyViolations('aws:x#')), ['tag.key.invalid']);
    assert.deepEqual(rules(tagKeyViolations('aws:x', 'access_control')), ['access_control.key.aws_prefix']);
    assert.equal(hasAwsPrefix('AwS:anything'), true);
  });

  it('values: 0–256 of the same characters', () => {
    for (const ok of ['', 'x'.repeat(256), 'CC-1234', 'Zürich Ops 1/2:+=@-_.']) assert.ok(isValidTagValue(ok));
    for (const bad of ['x'.repeat(257), 'a&b', 'a#b', 'a;b', 'é\u0000']) assert.equal(isValidTagValue(bad), false, bad);
  });

  it('keys compare case-insensitively; AuthMethod is reserved in any case', () => {
    assert.equal(foldTagKey('CostCenter'), foldTagKey('COSTCENTER'));
    for (const k of ['AuthMethod', 'authmethod', 'AUTHMETHOD']) {
      assert.ok(isReservedTagKey(k));
      assert.match(configurableTagKeyProblem(k) ?? '', /AuthMethod is reserved/);
    }
    assert.equal(configurableTagKeyProblem('Team'), undefined);
    assert.match(configurableTagKeyProblem('aws:Team') ?? '', /not starting with aws:/);
    assert.match(configurableTagKeyProblem('a,b') ?? '', /^must be 1–128/);
  });

  it('lintTags: collisions by case, one value each, at most 50', () => {
    assert.deepEqual(lintTags([one('Team'), one('CostCenter')]), []);
    assert.deepEqual(rules(lintTags([one('Team'), one('TEAM')])), ['tag.key.case_collision']);
    assert.deepEqual(rules(lintTags([{ key: 'Team', values: ['a', 'b'] }])), ['tag.multiple_values']);
    assert.deepEqual(rules(lintTags([{ key: 'Team', values: [] }])), ['tag.multiple_values']);
    assert.deepEqual(rules(lintTags([one('Team', 'a&b')])), ['tag.value.invalid']);
    const tags = (n: number) => Array.from({ length: n }, (_, i) => one(`K${i}`));
    assert.deepEqual(lintTags(tags(maxSessionTags)), []);
    assert.deepEqual(rules(lintTags(tags(maxSessionTags + 1))), ['tag.too_many']);
    assert.deepEqual(rules(lintTags([one('Team'), one('team')], 'access_control')), ['access_control.key.case_collision']);
  });

  it('TransitiveTagKeys: each a sent key, spelled the same, listed once', () => {
    assert.deepEqual(lintTransitiveTagKeys(['CostCenter'], ['CostCenter', 'Team']), []);
    assert.deepEqual(rules(lintTransitiveTagKeys(['costcenter'], ['CostCenter'])), ['transitive.not_sent']);
    assert.deepEqual(rules(lintTransitiveTagKeys(['Team'], ['CostCenter'])), ['transitive.not_sent']);
    assert.deepEqual(rules(lintTransitiveTagKeys(['CostCenter', 'CostCenter'], ['CostCenter'])), ['transitive.duplicate']);
  });
});
