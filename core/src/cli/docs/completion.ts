// The bash completion of mdevctl and lsmdev, generated from the command definitions: the
// commands and their options come from the clipanion classes; what an option's value is (a
// uuid, a parent, a type, a file) is known here by option name. Values come from
// `mdevctl complete-values` (every device backend's parents, types and devices, and the
// definitions); when mdevctl cannot run, the script reads the host tree under
// ${MDEVCTL_ENV_ROOT:-/} itself: parents from sys/class/mdev_bus and etc/mdevctl.d, types from the
// parents' mdev_supported_types, uuids from sys/bus/mdev/devices and the definitions.

import type { CommandDoc } from './model.js';

/** What the value of an option or positional argument is. */
export type ValueKind =
  | 'uuid-active'
  | 'uuid-defined'
  | 'uuid-any'
  | 'parent-registered'
  | 'parent-any'
  | 'type'
  | 'file'
  | 'command'
  | 'none';

/** The uuids worth offering for `-u` of each command. */
const UUID_KIND: Record<string, ValueKind> = {
  define: 'uuid-active',
  stop: 'uuid-active',
  'stop-mdev': 'uuid-active',
  start: 'uuid-defined',
  'start-mdev': 'uuid-defined',
  modify: 'uuid-defined',
  undefine: 'uuid-defined',
  'set-start': 'uuid-defined',
  'remove-mdev': 'uuid-any',
  'create-mdev': 'none',
  list: 'uuid-any',
  lsmdev: 'uuid-any',
};

/** The parents worth offering for `-p` of each command (default: registered ones). */
const PARENT_KIND: Record<string, ValueKind> = {
  list: 'parent-any',
  undefine: 'parent-any',
  modify: 'parent-any',
  define: 'parent-any',
  lsmdev: 'parent-any',
  'start-parent-mdevs': 'parent-any',
  monitor: 'parent-any',
};

/** The kind of an option's value (long name without dashes) or of a positional argument. */
export function valueKind(command: string, name: string): ValueKind {
  switch (name) {
    case 'uuid':
    case 'mdev-UUID':
      return UUID_KIND[command] ?? 'uuid-any';
    case 'parent':
    case 'parent-device':
      return PARENT_KIND[command] ?? 'parent-registered';
    case 'type':
    case 'mdev_type':
      return 'type';
    case 'jsonfile':
    case 'FILE':
      return 'file';
    case 'exec':
      return 'command';
    default:
      return 'none';
  }
}

function shellWords(words: readonly string[]): string {
  return words.join(' ');
}

function commandCase(c: CommandDoc): string {
  const options = [...c.options.flatMap((o) => o.names), '--help'];
  const valued = c.options.filter((o) => o.value !== undefined);
  const valueCases = valued
    .map((o) => `        ${o.names.join('|')}) kind=${valueKind(c.name, (o.long ?? '').replace(/^--/, ''))} ;;`)
    .join('\n');
  const positionalCases = c.positionals.map((p, i) => `        ${i}) kind=${valueKind(c.name, p)} ;;`).join('\n');
  return [
    `    ${c.name})`,
    `      options='${shellWords(options)}'`,
    `      valued=' ${shellWords(valued.flatMap((o) => o.names))} '`,
    '      case $1 in',
    ...(valueCases ? [valueCases] : []),
    '        *) kind=none ;;',
    '      esac',
    '      if [[ $1 == "#" ]]; then',
    '        case $2 in',
    ...(positionalCases ? [positionalCases] : []),
    '          *) kind=none ;;',
    '        esac',
    '      fi',
    '      ;;',
  ].join('\n');
}

export function bashCompletion(commands: readonly CommandDoc[], version: string): string {
  const visible = commands.filter((c) => !c.hidden && !c.legacy).map((c) => c.name);
  const list = commands.find((c) => c.name === 'list');
  const cases = commands.map(commandCase).join('\n');
  const lsmdev = list ? commandCase({ ...list, name: 'lsmdev' }) : '';
  return `# bash completion for mdevctl and lsmdev                    -*- shell-script -*-
# Generated from the mdevctl ${version} command definitions (scripts/generate-docs.mjs); do not edit.
# Values (parents, types, uuids) are read from the host under \${MDEVCTL_ENV_ROOT:-/}.

_mdevctl_root() {
    local r=\${MDEVCTL_ENV_ROOT:-/}
    printf '%s' "\${r%/}"
}

# The names in a directory, one per line.
_mdevctl_ls() {
    local f
    for f in "$1"/*; do
        [[ -e $f || -L $f ]] && printf '%s\\n' "\${f##*/}"
    done
}

_mdevctl_defined_parents() {
    local d
    for d in "$(_mdevctl_root)/etc/mdevctl.d"/*/; do
        d=\${d%/}; d=\${d##*/}
        [[ $d == scripts.d || $d == '*' ]] || printf '%s\\n' "$d"
    done
}

_mdevctl_defined_uuids() {
    local d
    for d in "$(_mdevctl_root)/etc/mdevctl.d"/*/; do
        [[ \${d%/} == */scripts.d ]] || _mdevctl_ls "\${d%/}"
    done
}

# $1: the kind of value; $2: the parent given on the line (for types), if any. mdevctl knows
# every backend's parents (not only the mdev bus's); without it, the mdev bus is read here.
_mdevctl_values() {
    local root; root=$(_mdevctl_root)
    local values
    if command -v mdevctl >/dev/null 2>&1 && values=$(mdevctl complete-values "$1" "$2" 2>/dev/null </dev/null); then
        [[ -n $values ]] && printf '%s\\n' "$values"
        return
    fi
    case $1 in
        uuid-active) _mdevctl_ls "$root/sys/bus/mdev/devices" ;;
        uuid-defined) _mdevctl_defined_uuids | sort -u ;;
        uuid-any) { _mdevctl_ls "$root/sys/bus/mdev/devices"; _mdevctl_defined_uuids; } | sort -u ;;
        parent-registered) _mdevctl_ls "$root/sys/class/mdev_bus" ;;
        parent-any) { _mdevctl_ls "$root/sys/class/mdev_bus"; _mdevctl_defined_parents; } | sort -u ;;
        type)
            if [[ -n $2 ]]; then
                _mdevctl_ls "$root/sys/class/mdev_bus/$2/mdev_supported_types"
            else
                local p
                for p in "$root/sys/class/mdev_bus"/*; do _mdevctl_ls "$p/mdev_supported_types"; done | sort -u
            fi
            ;;
    esac
}

# Sets options, valued and kind for command $cmd: kind of the value of option $1, or with
# $1 = "#" of positional argument number $2.
_mdevctl_command() {
    options='' valued=' ' kind=none
    case $cmd in
${cases}
${lsmdev}
    esac
}

# COMPREPLY from the candidates ($2…) matching the word $1, without the part of the word
# before the last COMP_WORDBREAKS character (bash replaces only what follows it).
_mdevctl_reply() {
    local word=$1 prefix='' j m
    shift
    for ((j = \${#word} - 1; j >= 0; j--)); do
        if [[ \${COMP_WORDBREAKS-} == *"\${word:j:1}"* ]]; then
            prefix=\${word:0:j+1}
            break
        fi
    done
    COMPREPLY=()
    while IFS= read -r m; do
        [[ -n $m ]] && COMPREPLY+=("\${m#"$prefix"}")
    done < <(compgen -W "$*" -- "$word")
}

_mdevctl() {
    local line=\${COMP_LINE:0:COMP_POINT}
    local -a words
    read -ra words <<<"$line"
    [[ \${#words[@]} -eq 0 || $line =~ [[:space:]]$ ]] && words+=('')
    local cur=\${words[\${#words[@]}-1]} program=\${words[0]##*/}
    local cmd='' first=1 i
    if [[ $program == lsmdev ]]; then
        cmd=lsmdev
    else
        for ((i = 1; i < \${#words[@]} - 1; i++)); do
            if [[ \${words[i]} != -* ]]; then cmd=\${words[i]}; first=$((i + 1)); break; fi
        done
        if [[ -z $cmd ]]; then
            if [[ $cur == -* ]]; then
                _mdevctl_reply "$cur" --help --version
            else
                _mdevctl_reply "$cur" ${shellWords(visible)} help
            fi
            return 0
        fi
        if [[ $cmd == help ]]; then
            ((\${#words[@]} - first == 1)) && _mdevctl_reply "$cur" ${shellWords(visible)}
            return 0
        fi
    fi

    # Walk the words after the command: option values, positionals, and -p's value.
    local options valued kind parent='' pending='' positional=0 w
    _mdevctl_command
    for ((i = first; i < \${#words[@]} - 1; i++)); do
        w=\${words[i]}
        if [[ -n $pending ]]; then
            [[ $pending == -p || $pending == --parent ]] && parent=$w
            pending=''
        elif [[ $w == --*=* ]]; then
            [[ \${w%%=*} == --parent ]] && parent=\${w#*=}
        elif [[ $w == -* ]]; then
            [[ $valued == *" $w "* ]] && pending=$w
        else
            _mdevctl_command '#' "$positional"
            [[ $kind == parent-* ]] && parent=$w
            ((positional++))
        fi
    done

    local option='' value=$cur
    if [[ -n $pending ]]; then
        option=$pending
    elif [[ $cur == --*=* ]]; then
        option=\${cur%%=*} value=\${cur#*=}
    fi
    if [[ -n $option ]]; then
        _mdevctl_command "$option"
        local -a candidates=()
        case $kind in
            file)
                compopt -o filenames 2>/dev/null
                mapfile -t candidates < <(compgen -f -- "$value")
                ;;
            command)
                mapfile -t candidates < <(compgen -c -- "$value")
                ;;
            none) ;;
            *) mapfile -t candidates < <(_mdevctl_values "$kind" "$parent") ;;
        esac
        if [[ $option == "$cur" || -n $pending ]]; then
            _mdevctl_reply "$cur" "\${candidates[@]}"
        else
            _mdevctl_reply "$cur" "\${candidates[@]/#/$option=}"
        fi
        return 0
    fi

    if [[ $cur != -* ]]; then
        _mdevctl_command '#' "$positional"
        if [[ $kind != none ]]; then
            local -a candidates=()
            mapfile -t candidates < <(_mdevctl_values "$kind" "$parent")
            _mdevctl_reply "$cur" "\${candidates[@]}"
            return 0
        fi
    fi
    _mdevctl_command
    _mdevctl_reply "$cur" $options
    return 0
}

complete -F _mdevctl mdevctl lsmdev
`;
}
