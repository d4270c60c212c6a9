/**
 * The SARIF 2.1.0 schema's key requirements, checked by hand (the schema itself is not fetched or
 * vendored): what a log must hold for GitHub code scanning and SARIF viewers to read it. Returns the
 * problems found; an empty list means the log has the shape.
 */
export function sarifShapeProblems(log: unknown): string[] {
  const problems: string[] = [];
  const need = (condition: boolean, problem: string) => {
    if (!condition) problems.push(problem);
  };
  if (!isObject(log)) return ['the log is not an object'];
  need(log['version'] === '2.1.0', 'version is not "2.1.0"');
  need(typeof log['$schema'] === 'string' && /sarif-2\.1\.0/.test(log['$schema']), '$schema does not name SARIF 2.1.0');
  const runs = log['runs'];
  if (!Array.isArray(runs)) return [...problems, 'runs is not an array'];
  runs.forEach((run: unknown, r) => {
    if (!isObject(run)) return problems.push(`runs[${r}] is not an object`);
    const driver = path(run, 'tool', 'driver');
    if (!isObject(driver) || typeof driver['name'] !== 'string') return problems.push(`runs[${r}].tool.driver.name is missing`);
    const rules = driver['rules'] ?? [];
    if (!Array.isArray(rules)) return problems.push(`runs[${r}].tool.driver.rules is not an array`);
    const ids = new Set<string>();
    rules.forEach((rule: unknown, i) => {
      const where = `runs[${r}].tool.driver.rules[${i}]`;
      if (!isObject(rule) || typeof rule['id'] !== 'string') return problems.push(`${where}.id is missing`);
      need(!ids.has(rule['id']), `${where}.id is not unique`);
      ids.add(rule['id']);
      for (const key of ['shortDescription', 'fullDescription', 'help']) {
        const text = rule[key] === undefined ? '' : path(rule, key, 'text');
        need(typeof text === 'string', `${where}.${key}.text is not a string`);
      }
      const level = path(rule, 'defaultConfiguration', 'level');
      need(level === undefined || LEVELS.has(level as string), `${where}.defaultConfiguration.level is not a level`);
      const score = path(rule, 'properties', 'security-severity');
      need(score === undefined || (typeof score === 'string' && /^\d+(\.\d+)?$/.test(score) && Number(score) <= 10), `${where} security-severity is not a score string`);
      return undefined;
    });
    const invocations = run['invocations'] ?? [];
    if (!Array.isArray(invocations)) problems.push(`runs[${r}].invocations is not an array`);
    else invocations.forEach((item: unknown, i) => need(isObject(item) && typeof item['executionSuccessful'] === 'boolean', `runs[${r}].invocations[${i}].executionSuccessful is not a boolean`));
    const bases = run['originalUriBaseIds'] ?? {};
    if (isObject(bases)) {
      for (const [name, base] of Object.entries(bases)) {
        const uri = isObject(base) ? base['uri'] : undefined;
        need(typeof uri === 'string' && /^[a-z][a-z0-9+.-]*:/.test(uri) && uri.endsWith('/'), `originalUriBaseIds.${name}.uri is not an absolute URI ending in /`);
      }
    }
    const results = run['results'];
    if (!Array.isArray(results)) return problems.push(`runs[${r}].results is not an array`);
    results.forEach((result: unknown, i) => {
      const where = `runs[${r}].results[${i}]`;
      if (!isObject(result)) return problems.push(`${where} is not an object`);
      const message = result['message'];
      need(isObject(message) && (typeof message['text'] === 'string' || typeof message['id'] === 'string'), `${where}.message has neither text nor id`);
      need(result['level'] === undefined || LEVELS.has(result['level'] as string), `${where}.level is not a level`);
      const index = result['ruleIndex'];
      if (index !== undefined) {
        need(Number.isInteger(index) && (index as number) >= 0 && (index as number) < rules.length, `${where}.ruleIndex is out of range`);
        need(path(rules[index as number], 'id') === result['ruleId'], `${where}.ruleIndex does not point at its ruleId`);
      }
      const locations = [...asArray(result['locations']), ...asArray(result['relatedLocations'])];
      locations.forEach((location, l) => {
        const artifact = path(location, 'physicalLocation', 'artifactLocation');
        const uri = isObject(artifact) ? artifact['uri'] : undefined;
        need(typeof uri === 'string' && isUriReference(uri), `${where} location ${l}: uri is not a URI reference`);
        const baseId = isObject(artifact) ? artifact['uriBaseId'] : undefined;
        need(baseId === undefined || (isObject(bases) && typeof baseId === 'string' && baseId in bases), `${where} location ${l}: uriBaseId is not declared`);
        const region = path(location, 'physicalLocation', 'region');
        if (region !== undefined) {
          const line = path(region, 'startLine');
          need(Number.isInteger(line) && (line as number) >= 1, `${where} location ${l}: region.startLine is not a line number`);
        }
      });
      const fingerprints = result['partialFingerprints'] ?? {};
      need(isObject(fingerprints) && Object.values(fingerprints).every((value) => typeof value === 'string'), `${where}.partialFingerprints values are not strings`);
      return undefined;
    });
    return undefined;
  });
  return problems;
}

const LEVELS = new Set(['none', 'note', 'warning', 'error']);

/** RFC 3986: only unreserved, reserved and percent-encoded characters, and no scheme-like first segment. */
function isUriReference(uri: string): boolean {
  return /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#]|%[0-9A-F]{2})*$/.test(uri) && !/^[^/?#]*:/.test(uri);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function path(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = isObject(current) ? current[key] : undefined;
  return current;
}
