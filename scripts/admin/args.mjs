// Flag parsing for the admin CLI: node:util parseArgs tokenizes (--flag value, --flag=value, -h,
// `--` ends the flags); this module applies the CLI's rules on top, with the same messages as ever:
// --no-flag for booleans, --flag=true|false|1|0|yes|no, repeatable flags, choices, one value per
// non-repeatable flag. Required flags are checked by the entry point (after --help).
import { parseArgs } from 'node:util';
import { CliError } from '../lib/op.mjs';

/**
 * Flag spec: { type: 'string' | 'boolean', repeat?: true, required?: true, choices?: string[],
 *              desc: string, value?: 'NAME' (placeholder shown in help) }
 * Returns { flags, positionals }; flag names become camelCase keys, repeatable flags arrays.
 */
export function parseFlags(argv, spec) {
  const options = Object.fromEntries(
    Object.entries(spec).map(([name, d]) => [name, { type: d.type, ...(d.repeat ? { multiple: true } : {}), ...(name === 'help' ? { short: 'h' } : {}) }]),
  );
  // The CLI's only short flag is -h: a longer word that starts with a single '-' (a base64url
  // client_id such as -Y3Yp…) is an argument, not a group of short flags. It is hidden from
  // parseArgs behind a placeholder and restored in the tokens.
  const hidden = [];
  const args = argv.map((a) => (/^-[^-]./.test(a) ? `\u0000${hidden.push(a) - 1}` : a));
  const restore = (v) => (/^\u0000\d+$/.test(v) ? hidden[Number(v.slice(1))] : v);
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  const flags = {};
  const positionals = [];
  for (const token of tokens) {
    if (token.value !== undefined) token.value = restore(token.value);
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== 'option') continue; // the `--` terminator
    if (!token.rawName.startsWith('--')) {
      if (token.name === 'help') {
        flags.help = true;
        continue;
      }
      throw new CliError(`unknown flag ${token.rawName}`, 2);
    }
    let name = token.name;
    let negated = false;
    if (!(name in spec) && name.startsWith('no-') && spec[name.slice(3)]?.type === 'boolean') {
      name = name.slice(3);
      negated = true;
    }
    const def = spec[name];
    if (!def) throw new CliError(`unknown flag --${name}`, 2);
    const key = camel(name);
    let value;
    if (def.type === 'boolean') {
      if (token.value !== undefined) {
        if (!['true', 'false', '1', '0', 'yes', 'no'].includes(token.value)) {
          throw new CliError(`--${name} is a switch; got --${name}=${token.value}`, 2);
        }
        value = ['true', '1', 'yes'].includes(token.value);
      } else value = !negated;
    } else {
      if (negated) throw new CliError(`unknown flag --no-${name}`, 2);
      if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) {
        throw new CliError(`--${name} needs a value${def.value ? ` (${def.value})` : ''}`, 2);
      }
      value = token.value;
      if (def.choices && !def.choices.includes(value)) {
        throw new CliError(`--${name} must be one of ${def.choices.join(', ')}; got "${value}"`, 2);
      }
    }
    if (def.repeat) (flags[key] ??= []).push(value);
    else if (key in flags && def.type !== 'boolean') throw new CliError(`--${name} given more than once`, 2);
    else flags[key] = value;
  }
  return { flags, positionals };
}

export function camel(name) {
  return name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
}

/** A flag value that must be a whole number of seconds, 1 or more (undefined when not given). */
export function seconds(flag, value) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--${flag} must be a whole number of seconds`, 2);
  return n;
}
