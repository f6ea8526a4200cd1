// mdevctl modify: change a definition (type, start policy, attributes, or all from a JSON
// file), or with --live a running device.

import { Command, Option } from 'clipanion';
import { FORCE_HELP, MdevctlCommand } from './base.js';
import { UsageError } from '../../model/errors.js';
import { conflicts, indexValue, optionalAttributeValue, optionalName, requireOne, requiredOption, uuidValue } from '../values.js';

export class ModifyCommand extends MdevctlCommand {
  static override paths = [['modify']];
  static override usage = Command.Usage({
    description: 'Modify the definition of a mediated device',
    details: `
      The 'parent' option further identifies a UUID if it is not unique. The parent for a device cannot be modified via this command; undefine and re-define should be used instead. An attribute can be added or removed, which correlates to a sysfs attribute under the created device. Unless an 'index' value is provided, operations are performed at the end of the attribute list. 'value' is to be specified in the format that is accepted by the attribute. Upon device start, mdevctl will go through each attribute in order, writing the value into the corresponding sysfs attribute for the device. The startup mode of the device can also be selected, auto or manual. Alternatively, the 'jsonfile' option may be used to replace the startup mode and any attributes with the contents of the specified file.

      Running devices are unaffected by this command, unless 'live' is given: then the JSON file is applied to the running device through a call-out script, and with 'defined' also stored.
    `,
    examples: [
      ['Start a device manually from now on', 'mdevctl modify --uuid 83c32df7-d52e-4ec1-9668-1f3c7e4df107 --manual'],
      ['Append an attribute', 'mdevctl modify -u 783e6dbb-ea0e-411f-94e2-717eaad438bf --addattr=assign_adapter --value=5'],
      ['Delete the attribute at index 4', 'mdevctl modify -u 783e6dbb-ea0e-411f-94e2-717eaad438bf --delattr --index=4'],
    ],
  });

  uuid = Option.String('-u,--uuid', { description: 'UUID of the mdev to modify' });
  parent = Option.String('-p,--parent', { description: 'Parent of the mdev to modify' });
  type = Option.String('-t,--type', { description: 'Modify the mdev type for this device' });
  addattr = Option.String('--addattr', { description: 'Add a new attribute' });
  delattr = Option.Boolean('--delattr', false, { description: 'Delete an attribute' });
  index = Option.String('-i,--index', { description: 'Index of the attribute to modify' });
  value = Option.String('--value', { description: 'Value for the attribute specified by --addattr' });
  auto = Option.Boolean('-a,--auto', false, { description: 'Device will be started automatically' });
  manual = Option.Boolean('-m,--manual', false, { description: 'Device must be started manually' });
  live = Option.Boolean('-l,--live', false, {
    description: 'Modify the running device definition only unless used together with defined option',
  });
  defined = Option.Boolean('-d,--defined', false, { description: 'Modify the stored device definition' });
  jsonfile = Option.String('--jsonfile', { description: 'Specify device details in JSON format' });
  force = Option.Boolean('-f,--force', false, { description: FORCE_HELP });

  async execute(): Promise<number> {
    this.checkCombination();
    const uuid = uuidValue(requiredOption(this.uuid, '--uuid <UUID>'));
    await this.context.app().modify(
      {
        uuid,
        parent: optionalName(this.parent, '--parent <PARENT>'),
        type: optionalName(this.type, '--type <TYPE>'),
        addattr: optionalName(this.addattr, '--addattr <attr_name>'),
        value: optionalAttributeValue(this.value, '--value <attr_value>'),
        delattr: this.delattr,
        index: indexValue(this.index),
        auto: this.auto,
        manual: this.manual,
        jsonfile: this.jsonfile,
        live: this.live,
        defined: this.defined,
      },
      this.force,
    );
    return 0;
  }

  /** The option rules of upstream's modify, accepting one or more changes at once (SPEC §8). */
  private checkCombination(): void {
    requireOne("'modify'", {
      '--auto': this.auto,
      '--manual': this.manual,
      '--addattr': this.addattr,
      '--delattr': this.delattr,
      '--jsonfile': this.jsonfile,
      '--type': this.type,
    });
    conflicts({ '--auto': this.auto, '--manual': this.manual });
    conflicts({ '--addattr': this.addattr, '--delattr': this.delattr });
    if (this.addattr !== undefined && this.value === undefined) {
      throw new UsageError("The argument '--addattr <attr_name>' requires '--value <attr_value>'");
    }
    if (this.value !== undefined && this.addattr === undefined) {
      throw new UsageError("The argument '--value <attr_value>' requires '--addattr <attr_name>'");
    }
    if (this.index !== undefined && this.addattr === undefined && !this.delattr) {
      throw new UsageError("The argument '--index <INDEX>' requires '--addattr' or '--delattr'");
    }
    if (this.jsonfile !== undefined) {
      for (const [flag, v] of Object.entries({
        '--type': this.type, '--auto': this.auto, '--manual': this.manual,
        '--addattr': this.addattr, '--delattr': this.delattr, '--index': this.index,
      })) {
        conflicts({ '--jsonfile': this.jsonfile, [flag]: v });
      }
    }
    if (this.live && this.jsonfile === undefined) {
      throw new UsageError("The argument '--live' requires '--jsonfile <FILE>'");
    }
  }
}
