/**
 * Options of a registry entry (a loss, a head, a training mode): each has a default, the source of
 * that default (a paper, the official code, or the kit's own choice) and the values it accepts.
 * Run specifications store the resolved options, so a run's config.json says every value it used;
 * overrides such as `--set loss.options.margin=0.2` are checked against the schema.
 */

export type OptionValue = number | string | boolean;

export interface OptionSpec {
  default: OptionValue;
  /** where the default comes from */
  source: string;
  /** accepted values: any finite number, an integer, a boolean, or one of a list */
  type: 'number' | 'integer' | 'boolean' | readonly (string | number)[];
  /** numbers: the smallest accepted value (excluded when `exclusiveMin`) */
  min?: number;
  exclusiveMin?: boolean;
}

export type OptionSchema = Readonly<Record<string, OptionSpec>>;
export type OptionValues = Record<string, OptionValue>;

type ValueOf<O extends OptionSpec> = OptionSpec['type'] extends O['type']
  ? OptionValue // a schema not known in detail
  : O['type'] extends readonly (infer T)[]
    ? T
    : O['type'] extends 'boolean'
      ? boolean
      : number;
/** The typed values of a schema (what a factory receives). */
export type ValuesOf<S extends OptionSchema> = { [K in keyof S]: ValueOf<S[K]> };

/** "a number > 0", "an integer >= 1", "one of simplex, random", ... */
export function describeOption(spec: OptionSpec): string {
  if (Array.isArray(spec.type)) return `one of ${spec.type.join(', ')}`;
  const bound = spec.min === undefined ? '' : ` ${spec.exclusiveMin ? '>' : '>='} ${spec.min}`;
  if (spec.type === 'boolean') return 'true or false';
  return `${spec.type === 'integer' ? 'an integer' : 'a number'}${bound}`;
}

function accepts(spec: OptionSpec, v: unknown): boolean {
  if (Array.isArray(spec.type)) return (spec.type as readonly unknown[]).includes(v);
  if (spec.type === 'boolean') return typeof v === 'boolean';
  if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  if (spec.type === 'integer' && !Number.isInteger(v)) return false;
  if (spec.min === undefined) return true;
  return spec.exclusiveMin ? v > spec.min : v >= spec.min;
}

/** Every option at its default. */
export function defaultOptions(schema: OptionSchema): OptionValues {
  return Object.fromEntries(Object.entries(schema).map(([k, s]) => [k, s.default]));
}

/**
 * The defaults with `given` over them, every value checked. `where` starts the error messages
 * (e.g. `loss "proxy_anchor"`), which name the option, the value and what was expected.
 */
export function resolveOptions(schema: OptionSchema, given: Readonly<Record<string, unknown>>, where: string): OptionValues {
  const out = defaultOptions(schema);
  for (const [key, value] of Object.entries(given)) {
    const spec = schema[key];
    if (!spec) {
      const known = Object.keys(schema);
      throw new Error(`${where}: unknown option "${key}"; ${known.length ? `its options are ${known.join(', ')}` : 'it takes no options'}`);
    }
    if (!accepts(spec, value)) throw new Error(`${where}: option ${key}=${JSON.stringify(value)}, expected ${describeOption(spec)}`);
    out[key] = value as OptionValue;
  }
  return out;
}

/** One line per option: `name = default (accepted values; source)`. */
export function describeSchema(schema: OptionSchema): string[] {
  return Object.entries(schema).map(([k, s]) => `${k} = ${JSON.stringify(s.default)} (${describeOption(s)}; ${s.source})`);
}

/** A choice from a registry with its complete options, as a run specification stores it. */
export interface NamedOptions<N extends string = string> {
  name: N;
  options: OptionValues;
}

/** The entry `name` of a registry (losses, heads, training modes); an unknown name throws listing the known ones. */
export function entryOf<E>(registry: Readonly<Record<string, E>>, kind: string, name: string): E {
  if (!Object.hasOwn(registry, name)) throw new Error(`unknown ${kind} "${name}"; expected one of ${Object.keys(registry).join(', ')}`);
  return registry[name];
}

/** `name` with the entry's defaults and `given` over them, every value checked. */
export function resolveNamed<N extends string>(
  registry: Readonly<Record<N, { options: OptionSchema }>>,
  kind: string,
  name: string,
  given: Readonly<Record<string, unknown>> = {},
): NamedOptions<N> {
  const entry = entryOf<{ options: OptionSchema }>(registry, kind, name);
  return { name: name as N, options: resolveOptions(entry.options, given, `${kind} "${name}"`) };
}
