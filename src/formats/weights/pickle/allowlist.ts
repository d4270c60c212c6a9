/**
 * The globals a weights checkpoint legitimately imports when unpickled: PyTorch's tensor and
 * storage rebuilders, numpy's array reconstruction, and a few harmless builtins. Kept short on
 * purpose: anything not here is reported as unsafe, because unpickling imports it and may call it.
 * A checkpoint that pickles whole modules, optimisers' custom classes or training configs is
 * reported too; that is correct, since loading it runs their code.
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  collections: ['OrderedDict'],
  'torch._utils': [
    '_rebuild_tensor',
    '_rebuild_tensor_v2',
    '_rebuild_tensor_v3',
    '_rebuild_parameter',
    '_rebuild_parameter_with_state',
    '_rebuild_qtensor',
    '_rebuild_sparse_tensor',
    '_rebuild_nested_tensor',
    '_rebuild_device_tensor_from_numpy',
    '_rebuild_meta_tensor_no_storage',
  ],
  'torch._tensor': ['_rebuild_from_type_v2'],
  'torch.serialization': ['_get_layout'],
  torch: [
    'Size',
    'device',
    'strided',
    'sparse_coo',
    'sparse_csr',
    'float32', 'float', 'float64', 'double', 'float16', 'half', 'bfloat16',
    'complex32', 'complex64', 'complex128', 'cfloat', 'cdouble',
    'uint8', 'uint16', 'uint32', 'uint64', 'int8', 'int16', 'short', 'int32', 'int', 'int64', 'long', 'bool',
    'qint8', 'quint8', 'qint32', 'quint4x2', 'quint2x4',
    'float8_e4m3fn', 'float8_e5m2', 'float8_e4m3fnuz', 'float8_e5m2fnuz',
    'per_tensor_affine', 'per_channel_affine',
  ],
  'torch.storage': ['UntypedStorage'],
  'numpy.core.multiarray': ['_reconstruct', 'scalar'],
  'numpy._core.multiarray': ['_reconstruct', 'scalar'],
  numpy: ['dtype', 'ndarray'],
  _codecs: ['encode'],
  builtins: ['set', 'frozenset', 'slice', 'bytes', 'bytearray', 'complex', 'range'],
};

/** `torch.FloatStorage`, `torch.cuda.HalfStorage`, …: storage types named in persistent ids. */
const STORAGE_MODULES = new Set(['torch', 'torch.cuda']);
const STORAGE_NAME = /^[A-Z][A-Za-z0-9]*Storage$/;

/** Python 2 module names that Python 3's unpickler maps to their new names (as `fix_imports` does). */
const PYTHON2_MODULES: Readonly<Record<string, string>> = {
  __builtin__: 'builtins',
  copy_reg: 'copyreg',
  cPickle: 'pickle',
  commands: 'subprocess',
};

/** The module name Python 3 would import for a name found in a pickle. */
export function canonicalModule(module: string): string {
  return Object.hasOwn(PYTHON2_MODULES, module) ? (PYTHON2_MODULES[module] as string) : module;
}

/**
 * Whether `module.name` is on the checkpoint allowlist (exactly: a dotted `name`, which protocol 4
 * resolves attribute by attribute, never matches), or on the caller's extra list of
 * `module.name` strings.
 */
export function isAllowedGlobal(module: string, name: string, extra: ReadonlySet<string> = new Set()): boolean {
  const canonical = canonicalModule(module);
  if (extra.has(`${canonical}.${name}`)) return true;
  if (STORAGE_MODULES.has(canonical) && STORAGE_NAME.test(name)) return true;
  return Object.hasOwn(ALLOWED, canonical) && (ALLOWED[canonical] as readonly string[]).includes(name);
}

/** Modules (or any module below them) whose import from a pickle means code execution, file or network access. */
const DANGEROUS_MODULES = new Set([
  'os', 'posix', 'nt', 'subprocess', 'sys', 'runpy', 'importlib', 'pty', 'webbrowser', 'socket', 'shutil',
  'ctypes', 'pickle', '_pickle', 'marshal', 'code', 'codeop', 'timeit', 'types', 'platform', 'multiprocessing',
  'asyncio', 'pdb', 'bdb', 'urllib', 'http', 'ftplib', 'requests', 'tempfile', 'io', '_io', 'pathlib', 'signal',
  'pip', 'setuptools', 'distutils', 'dill', 'cloudpickle', 'joblib',
]);
/** Attributes that reach code or the interpreter's internals wherever they are looked up. */
const DANGEROUS_ATTRIBUTES = new Set([
  'system', 'popen', 'spawn', 'eval', 'exec', 'compile', '__import__', '__globals__', '__builtins__',
  '__subclasses__', '__code__', '__getattribute__', '__reduce__', '__reduce_ex__', '__setstate__',
]);
const DANGEROUS_NAMES = new Set([
  'builtins.getattr', 'builtins.setattr', 'builtins.delattr', 'builtins.open', 'builtins.execfile',
  'builtins.input', 'builtins.breakpoint', 'builtins.globals', 'builtins.locals', 'builtins.vars',
  'builtins.print', 'builtins.memoryview', 'builtins.apply', 'operator.methodcaller', 'operator.attrgetter',
  'operator.itemgetter', 'functools.partial', 'functools.reduce', 'copyreg._reconstructor', 'numpy.load',
  'numpy.fromfile', 'torch.load', 'torch.storage._load_from_bytes', 'torch.serialization.load',
]);

/**
 * Whether a global is known to run code or touch the system when a pickle imports or calls it
 * (`os.system`, `builtins.eval`, `subprocess.Popen`, `torch._utils.os.system`, …). Every
 * non-allowlisted global is unsafe; these are the ones a report should rank highest.
 */
export function isKnownDangerousGlobal(qualified: string): boolean {
  const parts = qualified.split('.');
  const first = parts[0] ?? '';
  parts[0] = canonicalModule(first);
  if (DANGEROUS_NAMES.has(parts.join('.'))) return true;
  return parts.some((part, index) => DANGEROUS_ATTRIBUTES.has(part) || (index < parts.length - 1 && DANGEROUS_MODULES.has(part)));
}
