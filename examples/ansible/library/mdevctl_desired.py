#!/usr/bin/python
# -*- coding: utf-8 -*-
# An Ansible module for mdevctl's desired state: makes the host's mediated devices match a
# desired-state file with `mdevctl apply --json` (check mode: `mdevctl diff --json`, which runs
# the same whole-plan check). `changed` is mdevctl's own answer; --diff shows the plan; a failure
# fails the task with mdevctl's error line as msg. Ships next to the playbook (library/), so no
# collection needs installing.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: mdevctl_desired
short_description: Make a host's mediated devices match an mdevctl desired-state file
description:
  - Runs C(mdevctl apply --json FILE) on the target; in check mode C(mdevctl diff --json FILE),
    which plans and checks the whole change exactly as apply does and changes nothing.
  - C(changed) comes from mdevctl. With C(--diff), the plan is shown, one step per line.
  - A refused or failed apply fails the task; C(msg) is mdevctl's error (the lines it prints
    after C(Error:)). A failed apply takes its steps back.
options:
  src:
    description: Path of the desired-state file on the target (YAML or JSON).
    type: path
    required: true
  prune:
    description: Also remove devices the file (or its profile) made that it no longer lists.
    type: bool
    default: false
  wait_parents:
    description: Wait up to this many seconds for the file's parent devices to register first.
      Not used in check mode.
    type: int
  command:
    description: The mdevctl program as a list (e.g. C([node, /opt/mdevctl/core/bin/mdevctl.js])).
    type: list
    elements: str
    default: [mdevctl]
author: mdevctl maintainers
"""

EXAMPLES = r"""
- name: Mediated devices as the file says
  mdevctl_desired:
    src: /etc/mdevctl/desired.yaml
    prune: true
    wait_parents: 60
"""

RETURN = r"""
actions:
  description: The steps of the plan (carried out, or in check mode to be carried out).
  returned: always
  type: list
  elements: dict
stderr:
  description: What mdevctl wrote on stderr (e.g. how many devices the file no longer lists).
  returned: always
  type: str
"""

import json

from ansible.module_utils.basic import AnsibleModule


def plan_text(actions):
    lines = []
    for a in actions:
        detail = ': %s' % a['detail'] if a.get('detail') else ''
        lines.append('%-8s %s/%s %s (%s%s)' % (a['action'], a['parent'], a['uuid'], a['type'], a['for'], detail))
    return ''.join(line + '\n' for line in lines)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type='path', required=True),
            prune=dict(type='bool', default=False),
            wait_parents=dict(type='int'),
            command=dict(type='list', elements='str', default=['mdevctl']),
        ),
        supports_check_mode=True,
    )
    p = module.params
    argv = list(p['command'])
    if module.check_mode:
        argv += ['diff', '--json']
    else:
        argv += ['apply', '--json']
        if p['wait_parents'] is not None:
            argv += ['--wait-parents', str(p['wait_parents'])]
    if p['prune']:
        argv.append('--prune')
    argv.append(p['src'])

    rc, out, err = module.run_command(argv)
    try:
        result = json.loads(out)
    except ValueError:
        lines = [l for l in err.splitlines() if l.strip()]
        module.fail_json(msg=lines[-1] if lines else 'mdevctl exited %d without a result' % rc, rc=rc, stdout=out, stderr=err, cmd=argv)
    actions = result.get('actions', [])
    changed = bool(result.get('changed'))
    extra = {}
    if module._diff:
        extra['diff'] = {'prepared': plan_text(actions)}
    if rc != 0 or 'error' in result:
        module.fail_json(msg=result.get('error', 'mdevctl exited %d' % rc), rc=rc, changed=changed, actions=actions, stderr=err, cmd=argv, **extra)
    module.exit_json(changed=changed, actions=actions, stderr=err, cmd=argv, **extra)


if __name__ == '__main__':
    main()
