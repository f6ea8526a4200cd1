// The bash completion of mdevctl and lsmdev, generated from the command definitions: the
// commands and their options come from the clipanion classes; what an option's value is (a
// uuid, a parent, a type, a file) is known here by option name. Values come from
// `mdevctl complete-values` (every device backend's parents, types and devices, and the
// definitions); when mdevctl cannot run, the script reads the host tree under
// ${MDEVCTL_ENV_ROOT:-/} itself: parents from sys/class/mdev_bus and etc/mdevctl.d, types from the
// parents' mdev_supported_types, uuids from sys/bus/mdev/devices and the definitions. No candidate
// is ever evaluated by the shell: files come from compgen -f/-d and bash quotes them (-o
// filenames), names read from the host are quoted by the script (printf %q), and nothing goes
// through compgen -W.

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
  | 'directory'
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
    case 'DIR':
      return 'directory';
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

# $1: the kind of value; $2: the parent given on the line (for types), if any. The mdevctl
# program on the PATH (not a function or alias of that name) knows every backend's parents, not
# only the mdev bus's; without it (or an mdevctl without complete-values), the mdev bus is read here.
_mdevctl_values() {
    local root; root=$(_mdevctl_root)
    local values bin
    bin=$(type -P mdevctl)
    if [[ -n $bin ]] && values=$("$bin" complete-values "$1" "$2" 2>/dev/null </dev/null); then
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

# The word $1 as the shell reads it, quotes and backslashes removed, nothing expanded (no eval),
# in _mdevctl_word; the quote left open at its end (' or "), if any, in _mdevctl_quote; and in
# _mdevctl_start where readline's word begins: after the last COMP_WORDBREAKS character outside
# quotes, or after the open quote (bash replaces only what follows it).
_mdevctl_dequote() {
    local w=$1 c q='' i
    _mdevctl_word='' _mdevctl_start=0
    for ((i = 0; i < \${#w}; i++)); do
        c=\${w:i:1}
        if [[ $q == "'" ]]; then
            [[ $c == "'" ]] && q='' || _mdevctl_word+=$c
        elif [[ $c == '\\' && ( -z $q || \${w:i+1:1} == [\\$\\\`\\"\\\\] ) ]]; then
            ((i++))
            _mdevctl_word+=\${w:i:1}
        elif [[ -n $q ]]; then
            [[ $c == '"' ]] && q='' || _mdevctl_word+=$c
        elif [[ $c == "'" || $c == '"' ]]; then
            q=$c
            _mdevctl_start=$((i + 1))
        else
            _mdevctl_word+=$c
            [[ \${COMP_WORDBREAKS-} == *"$c"* ]] && _mdevctl_start=$((i + 1))
        fi
    done
    _mdevctl_quote=$q
}

# COMPREPLY from the candidates ($3…) that start with the word $2, without the part of the
# word that readline does not replace. $1 says how a candidate reaches the line: "words" are
# our own (commands, options); "files" come from compgen -f/-d/-c and bash quotes them itself
# (-o filenames, as bash-completion's _filedir); "data" (uuids, parents, types: names read from
# the host) are quoted here (printf %q, or for the quote left open). Nothing is ever given to
# compgen -W, which would expand it.
_mdevctl_reply() {
    local how=$1 m prefix quote e k
    shift
    _mdevctl_dequote "$1"
    local word=$_mdevctl_word
    quote=$_mdevctl_quote
    _mdevctl_dequote "\${1:0:_mdevctl_start}"
    prefix=$_mdevctl_word
    shift
    COMPREPLY=()
    [[ $how == files ]] && compopt -o filenames 2>/dev/null
    for m; do
        [[ -n $m ]] || continue
        # compgen has matched the files already (and may have kept a ~ the word had).
        [[ $how == files || $m == "$word"* ]] || continue
        m=\${m#"$prefix"}
        if [[ $how == data ]]; then
            case $quote in
                "'") m=\${m//"'"/"'\\\\''"} ;;
                '"')
                    e=''
                    for ((k = 0; k < \${#m}; k++)); do
                        [[ \${m:k:1} == [\\\\\\$\\\`\\"] ]] && e+='\\'
                        e+=\${m:k:1}
                    done
                    m=$e
                    ;;
                *) printf -v m '%q' "$m" ;;
            esac
        fi
        COMPREPLY+=("$m")
    done
}

# Sets candidates and how (see _mdevctl_reply) for the value of kind $1 beginning with $2 ($3:
# the parent given on the line).
_mdevctl_candidates() {
    candidates=() how=data
    case $1 in
        file | directory)
            how=files
            _mdevctl_dequote "$2"
            if [[ $1 == file ]]; then
                mapfile -t candidates < <(compgen -f -- "$_mdevctl_word")
            else
                mapfile -t candidates < <(compgen -d -- "$_mdevctl_word")
            fi
            ;;
        command)
            how=files
            _mdevctl_dequote "$2"
            mapfile -t candidates < <(compgen -c -- "$_mdevctl_word")
            ;;
        none) ;;
        *) mapfile -t candidates < <(_mdevctl_values "$1" "$3") ;;
    esac
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
                _mdevctl_reply words "$cur" --help --version
            else
                _mdevctl_reply words "$cur" ${shellWords(visible)} help
            fi
            return 0
        fi
        if [[ $cmd == help ]]; then
            ((\${#words[@]} - first == 1)) && _mdevctl_reply words "$cur" ${shellWords(visible)}
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
    local -a candidates
    local how
    if [[ -n $option ]]; then
        _mdevctl_command "$option"
        _mdevctl_candidates "$kind" "$value" "$parent"
        if [[ $option == "$cur" || -n $pending ]]; then
            _mdevctl_reply "$how" "$cur" "\${candidates[@]}"
        else
            _mdevctl_reply "$how" "$cur" "\${candidates[@]/#/$option=}"
        fi
        return 0
    fi

    if [[ $cur != -* ]]; then
        _mdevctl_command '#' "$positional"
        if [[ $kind != none ]]; then
            _mdevctl_candidates "$kind" "$cur" "$parent"
            _mdevctl_reply "$how" "$cur" "\${candidates[@]}"
            return 0
        fi
    fi
    _mdevctl_command
    _mdevctl_reply words "$cur" $options
    return 0
}

complete -F _mdevctl mdevctl lsmdev
`;
}
