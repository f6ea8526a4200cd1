// The man pages mdevctl(8) and lsmdev(8), in roff (man macros), generated from the command
// definitions: every command, option, argument and example comes from the clipanion classes;
// only the surrounding prose (description, files, call-outs, …) is written here.

import type { CommandDoc, OptionDoc } from './model.js';

/** roff text: backslashes escaped, a leading `.` or `'` protected. */
function text(s: string): string {
  return protect(s.replaceAll('\\', '\\e'));
}

/** roff text where `-` is a real minus (options, commands, paths to copy and paste). */
function literal(s: string): string {
  return protect(s.replaceAll('\\', '\\e').replaceAll('-', '\\-'));
}

/** Non-ASCII characters as roff's \[uXXXX] escapes (groff warns about raw ones). */
function ascii(page: string): string {
  return page.replace(/[^\x00-\x7f]/gu, (c) => `\\[u${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`);
}

function protect(line: string): string {
  return /^[.']/.test(line) ? `\\&${line}` : line;
}

/** Prose with 'quoted' words and --options set as roff: options bold, minus signs real. */
function prose(s: string): string {
  return text(s).replace(/(^|[\s(])(--?[a-zA-Z][\w-]*)/g, (_m, pre: string, opt: string) => `${pre}\\fB${opt.replaceAll('-', '\\-')}\\fR`);
}

function optionSynopsis(o: OptionDoc): string {
  const names = o.names.map((n) => `\\fB${literal(n)}\\fR`).join('|');
  return o.value !== undefined ? `[${names} \\fI${o.value}\\fR]` : `[${names}]`;
}

function optionLabel(o: OptionDoc): string {
  const names = o.names.map((n) => `\\fB${literal(n)}\\fR`).join(', ');
  return o.value !== undefined ? `${names} \\fI${o.value}\\fR` : names;
}

function synopsis(program: string, c: CommandDoc): string[] {
  const words = [`\\fB${literal(program)}${c.name ? ` ${literal(c.name)}` : ''}\\fR`];
  words.push(...c.options.map(optionSynopsis));
  words.push(...c.positionals.map((p) => `\\fI${literal(p.toUpperCase())}\\fR`));
  return ['.PP', words.join(' ')];
}

function exampleBlock(description: string, command: string): string[] {
  return ['.PP', `${text(description)}:`, '.PP', '.RS 4', '.nf', `# ${literal(command)}`, '.fi', '.RE'];
}

function commandSection(program: string, c: CommandDoc): string[] {
  const out = [`.SS ${literal(c.name)}`, ...synopsis(program, c), '.PP', prose(c.description.replace(/\.?$/, '.'))];
  for (const p of c.details) out.push('.PP', prose(p));
  if (c.options.length > 0) {
    out.push('.PP', 'Options:');
    for (const o of c.options) out.push('.TP', optionLabel(o), text(o.description));
  }
  if (c.examples.length > 0) out.push('.PP', 'Examples:');
  for (const [d, cmd] of c.examples) out.push(...exampleBlock(d, cmd));
  return out;
}

/** Every option with the commands that take it (the upstream man page's OPTIONS list). */
function optionIndex(commands: readonly CommandDoc[]): string[] {
  const byLabel = new Map<string, { option: OptionDoc; commands: string[] }>();
  for (const c of commands) {
    for (const o of c.options) {
      const key = o.names.join(',');
      const entry = byLabel.get(key) ?? { option: o, commands: [] };
      entry.commands.push(c.name);
      byLabel.set(key, entry);
    }
  }
  const sortKey = (o: OptionDoc) => (o.long ?? o.short ?? '').replace(/^-+/, '');
  const out: string[] = [];
  for (const { option, commands: names } of [...byLabel.values()].sort((a, b) => sortKey(a.option).localeCompare(sortKey(b.option)))) {
    out.push('.TP', optionLabel(option), `${text(option.description)} Valid for: ${names.map((n) => `\\fB${literal(n)}\\fR`).join(', ')}.`);
  }
  out.push('.TP', '\\fB\\-h\\fR, \\fB\\-\\-help\\fR', 'Print the help of the program, or of the command it follows, and exit.');
  out.push('.TP', '\\fB\\-V\\fR, \\fB\\-\\-version\\fR', 'Print the version and exit.');
  return out;
}

function paragraphsOf(...ps: string[]): string[] {
  return ps.flatMap((p) => ['.PP', p]);
}

function filesSection(): string[] {
  const entry = (path: string, what: string) => ['.TP', `\\fI${literal(path)}\\fR`, what];
  return [
    '.SH FILES',
    ...entry('/etc/mdevctl.d/PARENT/UUID', 'Device definitions (JSON), one directory per parent device, one file per UUID.'),
    ...entry('/usr/lib/mdevctl/scripts.d/callouts/', 'Call-out scripts, run in name order before and after each command and to read the attributes of running devices.'),
    ...entry('/usr/lib/mdevctl/scripts.d/notifiers/', 'Notifier scripts, all run after each command.'),
    ...entry(
      '/etc/mdevctl.d/scripts.d/callouts/, /etc/mdevctl.d/scripts.d/notifiers/',
      'The deprecated former locations of the call-out and notifier scripts, still read after the ones above.',
    ),
    ...entry(
      '/usr/lib/udev/rules.d/60-mdevctl.rules',
      'The udev rule that runs \\fBmdevctl start\\-parent\\-mdevs\\fR \\fIPARENT\\fR when a parent device registers with mdev, which starts its devices defined with start policy auto. Installed by \\fBmdevctl install\\-system\\-files\\fR.',
    ),
    ...entry('/sys/class/mdev_bus/PARENT/mdev_supported_types/TYPE/', 'The types a parent device supports, and where devices are created.'),
    ...entry('/sys/bus/mdev/devices/UUID', 'The running mediated devices.'),
    ...entry(
      '/etc/mdev.d/PARENT/UUID, /etc/mdevctl.conf',
      'Definitions and defaults of the 0.x mdevctl, read only by \\fBmdevctl import\\-legacy\\fR.',
    ),
  ];
}

const CONFIG_EXAMPLE = [
  '{',
  '  "mdev_type": "TYPE",',
  '  "start": "auto|manual",',
  '  "attrs": [',
  '    {',
  '      "attribute0": "VALUE"',
  '    },',
  '    {',
  '      "attribute1": "VALUE"',
  '    }',
  '  ]',
  '}',
];

export function mdevctlManPage(commands: readonly CommandDoc[], version: string): string {
  const current = commands.filter((c) => !c.hidden && !c.legacy);
  const hidden = commands.filter((c) => c.hidden && !c.legacy);
  const legacy = commands.filter((c) => c.legacy);
  const lines: string[] = [
    `.\\" Generated from the mdevctl ${version} command definitions (scripts/generate-docs.mjs); do not edit.`,
    `.TH MDEVCTL 8 "" "mdevctl ${version}" "System Administration"`,
    '.SH NAME',
    'mdevctl \\- mediated device management utility',
    '.SH SYNOPSIS',
    '\\fBmdevctl\\fR \\fICOMMAND\\fR [\\fIOPTIONS\\fR...]',
    '.br',
    '\\fBlsmdev\\fR [\\fIOPTIONS\\fR...]',
    '.SH DESCRIPTION',
    ...paragraphsOf(
      '\\fBmdevctl\\fR defines, persists, starts, stops and lists devices of the mediated device (mdev) framework of the Linux kernel. Mediated devices are sub-devices of a parent device (a vGPU of a graphics card, an s390 crypto or channel I/O device, …) that can be created on demand and assigned to virtual machines, for example through vfio-mdev.',
      'A device is \\fIdefined\\fR when its configuration is stored under /etc/mdevctl.d, and \\fIrunning\\fR (active) while it exists in sysfs. A defined device with start policy \\fBauto\\fR is started when its parent device appears (see \\fBstart\\-parent\\-mdevs\\fR); devices started from options alone are \\fItransient\\fR: nothing is stored.',
      '\\fBlsmdev\\fR is \\fBmdevctl list\\fR; see \\fBlsmdev\\fR(8).',
    ),
    '.SH COMMANDS',
    ...current.flatMap((c) => commandSection('mdevctl', c)),
    ...hidden.flatMap((c) => commandSection('mdevctl', c)),
    '.SH OPTIONS',
    'The options of all commands, and the commands that take them:',
    ...optionIndex([...current, ...hidden]),
    '.SH DEVICE SPECIFICATION',
    ...paragraphsOf(
      'Only one device with a given UUID can run at a time, but the same UUID may be defined under several parent devices. Then the parent is needed next to the UUID to name one device (\\fB\\-p\\fR \\fIPARENT\\fR \\fB\\-u\\fR \\fIUUID\\fR). Parent names are kernel sysfs names and case-sensitive.',
    ),
    '.SH CONFIGURATION FILE FORMAT',
    ...paragraphsOf(
      'Definitions are JSON files. \\fBattrs\\fR is optional: an ordered list of objects of one attribute name and its value (a string), written to the attributes of the device in that order when it starts.',
    ),
    '.PP',
    '.RS 4',
    '.nf',
    ...CONFIG_EXAMPLE.map(literal),
    '.fi',
    '.RE',
    '.SH CALL-OUT AND NOTIFIER SCRIPTS',
    ...paragraphsOf(
      'Call-out scripts handle what is specific to a device type. Each is run with \\fB\\-t\\fR \\fITYPE\\fR \\fB\\-e\\fR \\fIEVENT\\fR \\fB\\-a\\fR \\fIACTION\\fR \\fB\\-s\\fR \\fISTATE\\fR \\fB\\-u\\fR \\fIUUID\\fR \\fB\\-p\\fR \\fIPARENT\\fR and the device configuration (JSON) on standard input. The events: \\fBpre\\fR before the command acts (state \\fBnone\\fR; a non-zero exit other than 2 aborts the command unless \\fB\\-\\-force\\fR is given), \\fBpost\\fR after it (state \\fBsuccess\\fR or \\fBfailure\\fR; its exit status is ignored), \\fBlive\\fR for \\fBmodify \\-\\-live\\fR, and \\fBget\\fR with action \\fBattributes\\fR (print the attributes of a running device as a JSON array) or \\fBcapabilities\\fR (version negotiation).',
      'The scripts of the call-out directories are tried in name order: exit status 2 means "not my device type, try the next"; the first other answer is used. Notifier scripts are all run, with event \\fBnotify\\fR, after the post call-out or after a failed pre call-out; their exit status is ignored. What a script prints on standard error is shown prefixed with its file name.',
      'A script returns 0 if all is well, 1 on error, and 2 if it does not handle the device type.',
    ),
    '.SH DEPRECATED 0.x COMMANDS',
    ...paragraphsOf(
      'The commands of the 0.x shell mdevctl still work, with their 0.x arguments and output, for the scripts of its users. Each prints a line on standard error naming the command to use instead, and acts through the same steps (validation, call-outs) as that command. Definitions stored by 0.x are converted with \\fBmdevctl import\\-legacy\\fR.',
    ),
    ...legacy.flatMap((c) => commandSection('mdevctl', c)),
    '.SH ENVIRONMENT',
    '.TP',
    '\\fBMDEVCTL_ENV_ROOT\\fR',
    'Take every path above under this directory instead of / (a test tree, a simulated host, or an image being prepared).',
    '.TP',
    '\\fBMDEVCTL_LOG\\fR',
    'The level of the messages logged on standard error: \\fBerror\\fR, \\fBwarn\\fR (the default), \\fBinfo\\fR or \\fBdebug\\fR.',
    '.SH EXIT STATUS',
    'On success, 0 is returned. Errors exit with 1, and mistakes in the command line with 2; the message is one line on standard error.',
    ...filesSection(),
    '.SH SEE ALSO',
    '\\fBlsmdev\\fR(8), \\fBudev\\fR(7), \\fBudevadm\\fR(8), \\fBdriverctl\\fR(8)',
  ];
  return ascii(`${lines.join('\n')}\n`);
}

export function lsmdevManPage(list: CommandDoc, version: string): string {
  const lines: string[] = [
    `.\\" Generated from the mdevctl ${version} command definitions (scripts/generate-docs.mjs); do not edit.`,
    `.TH LSMDEV 8 "" "mdevctl ${version}" "System Administration"`,
    '.SH NAME',
    'lsmdev \\- list mediated devices',
    '.SH SYNOPSIS',
    ...synopsis('lsmdev', { ...list, name: '' }).slice(1),
    '.SH DESCRIPTION',
    ...paragraphsOf(
      '\\fBlsmdev\\fR is \\fBmdevctl list\\fR under its own name: it lists the running mediated devices, or with \\fB\\-d\\fR the defined ones.',
      ...list.details.map(prose),
    ),
    '.SH OPTIONS',
    ...list.options.flatMap((o) => ['.TP', optionLabel(o), text(o.description)]),
    '.TP',
    '\\fB\\-h\\fR, \\fB\\-\\-help\\fR',
    'Print help and exit.',
    '.TP',
    '\\fB\\-V\\fR, \\fB\\-\\-version\\fR',
    'Print the version and exit.',
    '.SH EXAMPLES',
    ...list.examples.flatMap(([d, cmd]) => exampleBlock(d, cmd.replace(/^mdevctl list\b ?/, 'lsmdev ').trimEnd())),
    '.SH ENVIRONMENT',
    '\\fBMDEVCTL_ENV_ROOT\\fR and \\fBMDEVCTL_LOG\\fR, as for \\fBmdevctl\\fR(8).',
    '.SH SEE ALSO',
    '\\fBmdevctl\\fR(8)',
  ];
  return ascii(`${lines.join('\n')}\n`);
}
