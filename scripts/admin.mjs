#!/usr/bin/env node
// Admin CLI for the OpenID Provider's admin API (docs/admin-api.md).
//
//   npm run admin -- <group> <command> [args] [flags]
//
// Plain Node ESM, built-ins only. One module per command group in scripts/admin/; each command
// declares its flags ({ type, repeat, required, choices, desc, value }), which scripts/admin/args.mjs
// parses with node:util parseArgs. To add a command, add it to its group's table.
import { pathToFileURL } from 'node:url';
import { adminClient, CliError, DEFAULT_ISSUER, readDevVars } from './lib/op.mjs';
import { camel, parseFlags } from './admin/args.mjs';
import { claimCommands } from './admin/claims.mjs';
import { clientCommands, clientSecretCommands } from './admin/clients.mjs';
import { usage } from './admin/help.mjs';
import { keyCommands } from './admin/keys.mjs';
import { logoutCommands } from './admin/logout.mjs';
import { registrationCommands } from './admin/registration.mjs';
import { scopeCommands } from './admin/scopes.mjs';
import { userCommands } from './admin/users.mjs';
import { auditCommands } from './admin/audit.mjs';
import { apiCommands } from './admin/apis.mjs';
import { upstreamCommands } from './admin/upstreams.mjs';

export { parseFlags };

const GLOBAL_FLAGS = {
  issuer: { type: 'string', value: 'URL', desc: `OP base URL (env OP_URL, default ${DEFAULT_ISSUER})` },
  json: { type: 'boolean', desc: "print the API's JSON instead of a summary" },
  help: { type: 'boolean', desc: 'show help' },
};

/**
 * Each command: { summary, args?: ['ID'], flags: {...}, run({ api, flags, args }), print(result) }.
 * `run` returns the API's JSON (printed as-is with --json); `print` writes the summary.
 * The order is the order of the help text.
 */
export const COMMANDS = {
  ...clientCommands,
  ...userCommands,
  ...clientSecretCommands,
  ...registrationCommands,
  ...claimCommands,
  ...scopeCommands,
  ...logoutCommands,
  ...keyCommands,
  ...auditCommands,
  ...apiCommands,
  ...upstreamCommands,
};

export async function main(argvIn) {
  // Global flags that take a value may stand before the command (`--issuer URL clients list`):
  // move them behind it, where the shared parser reads them.
  const argv = [];
  const leading = [];
  for (let i = 0; i < argvIn.length; i++) {
    const a = argvIn[i];
    const name = a.startsWith('--') ? a.slice(2).split('=')[0] : undefined;
    if (argv.length === 0 && name && GLOBAL_FLAGS[name]) {
      leading.push(a);
      if (GLOBAL_FLAGS[name].type === 'string' && !a.includes('=') && i + 1 < argvIn.length) leading.push(argvIn[++i]);
    } else argv.push(a);
  }
  argv.push(...leading);
  // The command name is the leading positional words that form a key of COMMANDS.
  const words = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  let cmdName;
  for (let n = Math.min(words.length, 3); n > 0; n--) {
    const candidate = words.slice(0, n).join(' ');
    if (COMMANDS[candidate]) {
      cmdName = candidate;
      break;
    }
  }
  if (!cmdName) {
    const wantsHelp = argv.includes('--help') || argv.includes('-h') || argv[0] === 'help';
    if (wantsHelp || argv.length === 0) {
      console.log(usage(COMMANDS, GLOBAL_FLAGS));
      return wantsHelp ? 0 : 2;
    }
    const group = words[0];
    const known = Object.keys(COMMANDS).filter((n) => n.startsWith(`${group} `));
    if (known.length && words.length === 1) {
      throw new CliError(`missing subcommand for "${group}": one of ${known.map((n) => n.split(' ')[1]).join(', ')}`, 2);
    }
    throw new CliError(`unknown command "${words.join(' ') || argv[0]}"; run with --help for the list`, 2);
  }
  const cmd = COMMANDS[cmdName];
  let rest = argv.slice(cmdName.split(' ').length);
  // A command with an --issuer of its own (upstreams: the upstream's issuer) reads the OP's URL
  // only from a --issuer before the command name (or OP_URL).
  let leadingFlags = {};
  if (cmd.ownIssuer && leading.length) {
    rest = rest.slice(0, rest.length - leading.length);
    leadingFlags = parseFlags(leading, GLOBAL_FLAGS).flags;
  }
  const parsed = parseFlags(rest, cmd.ownIssuer ? { ...GLOBAL_FLAGS, ...cmd.flags } : { ...cmd.flags, ...GLOBAL_FLAGS });
  const { positionals } = parsed;
  const flags = cmd.ownIssuer ? { ...leadingFlags, ...parsed.flags, issuer: parsed.flags.issuer } : parsed.flags;
  const opIssuer = cmd.ownIssuer ? leadingFlags.issuer : flags.issuer;
  if (flags.help) {
    console.log(usage(COMMANDS, GLOBAL_FLAGS, cmdName));
    return 0;
  }
  const expected = cmd.args ?? [];
  if (positionals.length < expected.length) {
    throw new CliError(`${cmdName}: missing ${expected.slice(positionals.length).join(' ')}\n\n${usage(COMMANDS, GLOBAL_FLAGS, cmdName)}`, 2);
  }
  if (positionals.length > expected.length) {
    throw new CliError(`${cmdName}: unexpected argument "${positionals[expected.length]}"`, 2);
  }
  const missing = Object.entries(cmd.flags)
    .filter(([name, d]) => d.required && flags[camel(name)] === undefined)
    .map(([name]) => `--${name}`);
  if (missing.length) {
    throw new CliError(`${cmdName}: missing required ${missing.join(', ')}\n\n${usage(COMMANDS, GLOBAL_FLAGS, cmdName)}`, 2);
  }

  const issuer = opIssuer ?? process.env.OP_URL ?? DEFAULT_ISSUER;
  try {
    new URL(issuer);
  } catch {
    throw new CliError(`invalid issuer URL "${issuer}"`, 2);
  }
  const token = process.env.ADMIN_TOKEN || readDevVars().vars.ADMIN_TOKEN;
  const api = adminClient({ issuer, token });
  const result = await cmd.run({ api, flags, args: positionals });
  if (flags.json) console.log(JSON.stringify(result, null, 2));
  else cmd.print(result);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      if (err instanceof CliError) {
        console.error(`error: ${err.message}`);
        process.exitCode = err.exitCode;
      } else {
        console.error(err);
        process.exitCode = 1;
      }
    },
  );
}
