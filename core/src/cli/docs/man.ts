// The man pages mdevctl(8) and lsmdev(8), in roff (man macros), generated from the command
// definitions: every command, option, argument and example comes from the clipanion classes;
// only the surrounding prose (description, files, call-outs, …) is written here.

import { TIMEOUT_ENV } from '@mdevctl/plugin-callouts';
import { CONFIG_ENV, SEARCH_PLACES } from '../../config/places.js';
import { LOCK_DIR, LOCK_FILE, LOCK_WAIT_ENV } from '../../store/definitions-lock.js';
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

/** A description as a sentence: ends with a full stop unless it has its own end. */
function sentence(s: string): string {
  return /[.!?]$/.test(s) ? s : `${s}.`;
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
    // \% keeps a command name from being hyphenated at a line end.
    out.push('.TP', optionLabel(option), `${text(sentence(option.description))} Valid for: ${names.map((n) => `\\fB\\%${literal(n)}\\fR`).join(', ')}.`);
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
    ...entry(
      '/etc/mdevctl.d/mdevctl.config.*',
      `The configuration file of mdevctl itself (plugins, policies): the first that exists of ${configPlaces()}, unless \\fB\\%${CONFIG_ENV}\\fR names another; see \\fBCONFIGURATION\\fR.`,
    ),
    ...entry(
      `/${LOCK_DIR}/${LOCK_FILE}`,
      `The lock every command that changes definitions or devices holds while it runs (reading commands take none); another command waits for it up to \\fB\\%${LOCK_WAIT_ENV}\\fR seconds. A lock whose holder is gone is taken over. The record of an unfinished command, which the next one takes back, is kept beside it.`,
    ),
    ...entry('/sys/class/mdev_bus/PARENT/mdev_supported_types/TYPE/', 'The types a parent device supports, and where devices are created.'),
    ...entry('/sys/bus/mdev/devices/UUID', 'The running mediated devices.'),
    ...entry(
      '/sys/bus/pci/devices/VF/nvidia/creatable_vgpu_types, /sys/bus/pci/devices/VF/nvidia/current_vgpu_type',
      'NVIDIA vGPUs without the mdev bus (vGPU 17+ on kernels 6.8 and later): each SR\\-IOV virtual function VF with these files is a parent named by its PCI address, its types nvidia\\-ID; \\fBstart\\fR writes the type id to current_vgpu_type and reads it back, \\fBstop\\fR writes 0 (refused while a process holds the VF\\(aqs vfio files open). \\fBlist \\-\\-dumpjson\\fR leaves these devices out (libvirt cannot manage them); \\fB\\-x\\fR shows them and their physical GPU.',
    ),
    ...entry(
      '/run/mdevctl-vgpu/VF',
      'Which uuid mdevctl started on a virtual function (a vGPU another tool started is listed with the uuid derived from the VF\\(aqs address: UUIDv5 of "nvidia\\-vgpu://VF" in the URL namespace). Only root writes there; gone at a reboot, with the vGPUs.',
    ),
    ...entry(
      '/usr/lib/udev/rules.d/61-mdevctl-vgpu.rules, /usr/lib/systemd/system/mdevctl-vgpu@.service',
      'Boot of vGPUs on virtual functions: when a VF with definitions appears, the rule asks systemd for the unit of its physical function PF, which runs \\fBmdevctl start\\-parent\\-mdevs \\-\\-physfn\\fR \\fIPF\\fR after the driver\\(aqs daemons (one process per GPU). Installed by \\fBmdevctl install\\-system\\-files\\fR.',
    ),
    ...entry(
      '/etc/mdev.d/PARENT/UUID, /etc/mdevctl.conf',
      'Definitions and defaults of the 0.x mdevctl, read only by \\fBmdevctl import\\-legacy\\fR.',
    ),
  ];
}

/** The configuration file's places: the first in full, the others by their extension. */
function configPlaces(): string {
  const [first = '', ...others] = SEARCH_PLACES;
  const ext = others.map((f) => `\\fI${literal(f.slice(f.lastIndexOf('.')))}\\fR`);
  return `\\fI/etc/mdevctl.d/${literal(first)}\\fR, ${ext.slice(0, -1).join(', ')} and ${ext.at(-1) ?? ''}`;
}

/** mdevctl's own configuration file and its plugins (core/CONFIGURATION.md in the sources). */
function configurationSections(): string[] {
  const places = `${configPlaces()} (in this order)`;
  return [
    '.SH CONFIGURATION',
    ...paragraphsOf(
      `mdevctl works without a configuration file. One file chooses the plugins and sets policies, and exactly one is read, never merged with another: the file \\fB\\%${CONFIG_ENV}\\fR names, when it is set and not empty (a path as given, relative to the working directory and not under \\fBMDEVCTL_ENV_ROOT\\fR; it must exist; \\fI/dev/null\\fR means the defaults); else the first that exists of ${places}; else the defaults. JSON, YAML, or a JavaScript module whose default export is the object. A file at the top of \\fI/etc/mdevctl.d\\fR is not a parent: it is never listed as a definition.`,
    ),
    '.PP',
    '.RS 4',
    '.nf',
    ...SETTINGS_EXAMPLE.map(literal),
    '.fi',
    '.RE',
    '.TP',
    '\\fBplugins\\fR',
    "An object. A built-in plugin's name with \\fBfalse\\fR turns it off (\\fBtrue\\fR or an options object keeps it on). Any other key is an external plugin to load, a package name or a path, with \\fBtrue\\fR or an options object given to the plugin; external plugins run in the order of their keys.",
    '.TP',
    '\\fBpolicies\\fR',
    `\\fBcalloutTimeoutMs\\fR: how long one call-out or notifier script may run before it is killed, in milliseconds (default 30000); \\fB\\%${TIMEOUT_ENV}\\fR wins over it.`,
    '.PP',
    'Unknown keys are errors. A problem with the file or a plugin fails the command with one line naming the file or the plugin, before anything is written.',
    '.SH PLUGINS',
    ...paragraphsOf(
      'Every command runs one pipeline of stages (define, validate, pre, create, attrs, post, notify) that plugins tap. The built-in plugins are \\fBmtty\\fR, \\fBi915\\-gvtg\\fR, \\fBvfio\\-ccw\\fR, \\fBvfio\\-ap\\fR (the checks of each device family), \\fBnvidia\\-vgpu\\fR (a device backend: NVIDIA vGPUs on SR\\-IOV virtual functions, without the mdev bus) and \\fBcallouts\\fR (the call-out and notifier scripts); they are on unless turned off in the configuration file. A plugin sees only the devices of the parents and types it claims, and its checks run in the validate stage, before any script runs or sysfs is written.',
      'An external plugin named by a package name is looked for in \\fI/usr/local/lib/node_modules\\fR, then \\fI/usr/lib/node_modules\\fR, then the global \\fInode_modules\\fR of npm for the Node.js running mdevctl (where \\fBnpm install \\-g\\fR puts it); a path is relative to the directory of the configuration file, and an absolute one is under \\fBMDEVCTL_ENV_ROOT\\fR. \\fBlist \\-x\\fR and \\fBtypes \\-x\\fR show which plugins claim each device and type and what they add; without \\fB\\-x\\fR the output is upstream\\(aqs.',
      '\\fBmdevctl plugin\\-init\\fR \\fIDIR\\fR starts a plugin package wired to the plugin SDK this mdevctl ships.',
    ),
  ];
}

const SETTINGS_EXAMPLE = [
  '{',
  '  "plugins": {',
  '    "mtty": false,',
  '    "@example/mdevctl-plugin-mdpy": { "maxDefined": 2 },',
  '    "./local/acme-plugin.js": true',
  '  },',
  '  "policies": { "calloutTimeoutMs": 10000 }',
  '}',
];

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
    ...configurationSections(),
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
    `\\fB\\%${CONFIG_ENV}\\fR`,
    'The configuration file to read instead of looking for one in /etc/mdevctl.d (see \\fBCONFIGURATION\\fR); \\fI/dev/null\\fR reads none.',
    '.TP',
    `\\fB\\%${LOCK_WAIT_ENV}\\fR`,
    `How many seconds a command that changes definitions or devices waits for the lock (\\fI/${literal(LOCK_DIR)}/${literal(LOCK_FILE)}\\fR) another one holds: a number, 0 or more (default 120; 0 fails at once). After that it fails naming the holder; any other value is refused with one line.`,
    '.TP',
    '\\fBMDEVCTL_LOG\\fR',
    'The level of the messages logged on standard error: \\fBerror\\fR, \\fBwarn\\fR (the default), \\fBinfo\\fR or \\fBdebug\\fR (which also prints the stack trace of an error).',
    '.TP',
    `\\fB\\%${TIMEOUT_ENV}\\fR`,
    'How many milliseconds one call-out or notifier script may run before it is killed (default 30000); wins over the configuration file.',
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
    '\\fBMDEVCTL_ENV_ROOT\\fR, \\fBMDEVCTL_CONFIG\\fR and \\fBMDEVCTL_LOG\\fR, as for \\fBmdevctl\\fR(8).',
    '.SH SEE ALSO',
    '\\fBmdevctl\\fR(8)',
  ];
  return ascii(`${lines.join('\n')}\n`);
}
