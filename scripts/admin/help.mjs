// --help texts: the command list and the flags of one command.

export function flagHelp(spec) {
  return Object.entries(spec).map(([name, d]) => {
    const left = `  --${name}${d.type === 'string' ? ` ${d.value ?? 'VALUE'}` : ''}`;
    const extra = [d.required ? 'required' : '', d.repeat ? 'repeatable' : ''].filter(Boolean).join(', ');
    return `${left.padEnd(46)} ${d.desc}${extra ? ` (${extra})` : ''}`;
  });
}

export function usage(COMMANDS, GLOBAL_FLAGS, cmdName) {
  if (cmdName && COMMANDS[cmdName]) {
    const c = COMMANDS[cmdName];
    const args = (c.args ?? []).map((a) => ` ${a}`).join('');
    return [
      `Usage: npm run admin -- ${cmdName}${args} [flags]`,
      '',
      c.summary,
      '',
      'Flags:',
      ...flagHelp(c.flags),
      ...flagHelp(c.ownIssuer ? { ...GLOBAL_FLAGS, issuer: { ...GLOBAL_FLAGS.issuer, desc: `${GLOBAL_FLAGS.issuer.desc}; for this command, before its name` } } : GLOBAL_FLAGS),
    ].join('\n');
  }
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length + (COMMANDS[n].args ?? []).join(' ').length + 1));
  return [
    'Usage: npm run admin -- <command> [args] [flags]',
    '',
    'Commands:',
    ...names.map((n) => {
      const c = COMMANDS[n];
      const left = `${n}${(c.args ?? []).map((a) => ` ${a}`).join('')}`;
      return `  ${left.padEnd(width)}  ${c.summary}`;
    }),
    '',
    'Global flags:',
    ...flagHelp(GLOBAL_FLAGS),
    '',
    'Signing keys rotate on their own schedule; `keys rotate` and `keys revoke` are for emergencies',
    'and take effect at once (both print a warning on stderr).',
    '',
    'The admin token comes from env ADMIN_TOKEN, else from ADMIN_TOKEN in .dev.vars.',
    'Run `npm run admin -- <command> --help` for the flags of a command.',
  ].join('\n');
}
