import { findDuplicateKey } from '../../src/graph/body';

describe('duplicate JSON member names', () => {
  it.each([
    ['{"a":1,"a":2}', 'a'],
    ['{"t":{"x":1,"y":{"z":[1,{"q":1,"q":2}]}}}', 'q'],
    ['{"a\\u0062":1,"ab":2}', 'ab'],
  ])('finds the duplicate in %s', (text, key) => {
    expect(findDuplicateKey(text)).toBe(key);
  });

  it.each([
    '{"a":1,"b":{"a":2}}',
    '[{"a":1},{"a":1}]',
    '{"a":"{\\"a\\":1,\\"a\\":2}","b":["a","a"]}',
    '{"a":[{"b":1},{"b":2}],"c":1}',
  ])('accepts %s', (text) => {
    expect(findDuplicateKey(text)).toBeUndefined();
  });
});
