import type { ErrorObject, ValidateFunction } from 'ajv';
import { RuleFileError } from '../errors.js';
import { lazyModule } from '../util/lazy-module.js';
import type { YamlDocument } from './yaml-source.js';

const ajvModule = lazyModule<typeof import('ajv')>('ajv');
let ajv: import('ajv').Ajv | null = null;
const compiled = new Map<object, ValidateFunction>();

function validatorFor(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    ajv ??= new (ajvModule().Ajv)({ allErrors: true, strict: false });
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** Checks a YAML document against a JSON Schema; the first problem becomes a one-line RuleFileError. */
export function assertMatchesSchema(document: YamlDocument, schema: object): void {
  const validate = validatorFor(schema);
  if (validate(document.value)) return;
  const error = pickMostUseful(validate.errors ?? []);
  if (!error) throw new RuleFileError(document.file, document.line, null, 'does not match the schema');
  const path = pathOf(error);
  const key = childKey(error);
  const position = document.locate(path, key) ?? { line: document.line, column: 1 };
  let problem = describe(error, path);
  if (error.keyword === 'type') {
    // A field that takes "a string or a mapping" fails both branches of its oneOf; say both.
    const types = (validate.errors ?? [])
      .filter((other) => other.keyword === 'type' && other.instancePath === error.instancePath)
      .map((other) => typeWord(String((other.params as Record<string, unknown>)['type'])));
    problem = `${problem.slice(0, problem.lastIndexOf(' must be '))} must be ${[...new Set(types)].join(' or ')}`;
  }
  throw new RuleFileError(document.file, position.line, position.column, problem);
}

/** JSON Pointer of an error, as keys and indexes. */
function pathOf(error: ErrorObject): Array<string | number> {
  if (error.instancePath === '') return [];
  return error.instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function childKey(error: ErrorObject): string | undefined {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return String(params['additionalProperty']);
  if (error.keyword === 'propertyNames') return String(params['propertyName']);
  return undefined;
}

const PREFERENCE = ['propertyNames', 'additionalProperties', 'required', 'maxProperties', 'enum', 'pattern', 'minItems', 'minLength', 'minProperties', 'type'];

/** The deepest, most specific error: the one nearest to what the author mistyped. */
function pickMostUseful(errors: readonly ErrorObject[]): ErrorObject | undefined {
  const candidates = errors.filter((error) => !['oneOf', 'anyOf', 'if'].includes(error.keyword));
  const depth = (error: ErrorObject) => (error.instancePath === '' ? 0 : error.instancePath.split('/').length);
  const rank = (error: ErrorObject) => {
    const index = PREFERENCE.indexOf(error.keyword);
    return index === -1 ? PREFERENCE.length : index;
  };
  return [...candidates].sort((a, b) => depth(b) - depth(a) || rank(a) - rank(b))[0];
}

function describe(error: ErrorObject, path: ReadonlyArray<string | number>): string {
  const where = path.length === 0 ? 'the document' : `"${path.join('.')}"`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${where} is missing the required field "${String(params['missingProperty'])}"`;
    case 'additionalProperties':
      return `unknown field "${String(params['additionalProperty'])}" in ${where}`;
    case 'propertyNames':
      return `unknown matcher "${String(params['propertyName'])}" in ${where} (expected all, any, not, path, change, mode, added, removed, changed or scope)`;
    case 'maxProperties':
      return `${where} must have exactly one key (a matcher node is one of all, any, not, path, change, mode, added, removed, changed, scope)`;
    case 'enum':
      return `${where} must be one of ${(params['allowedValues'] as unknown[]).join(', ')}`;
    case 'pattern':
      return path[path.length - 1] === 'id'
        ? `${where} must be kebab-case (lowercase words joined by "-")`
        : `${where} must match ${String(params['pattern'])}`;
    case 'minItems':
      return path[path.length - 1] === 'flag'
        ? `${where} must list at least one change the rule must flag`
        : `${where} must not be empty`;
    case 'minLength':
      return `${where} must not be empty`;
    case 'type':
      return `${where} must be ${typeWord(String(params['type']))}`;
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}

function typeWord(type: string): string {
  if (type === 'object') return 'a mapping';
  if (type === 'array') return 'a list';
  return `a ${type}`;
}
