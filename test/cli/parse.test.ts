// The CLI's argument parsing (src/cli/_command.ts) on its own: values that start with a dash.
import { CommandSpec, parseCommand, UsageError } from '../../src/cli/_command';

const spec: CommandSpec = {
  name: 't',
  summary: 'test',
  positionals: [{ name: 'RUN', help: 'a run' }],
  options: [
    { name: 'reason', kind: 'string', help: 'why' },
    { name: 'offset', kind: 'number', help: 'a number', min: -10 },
    { name: 'follow', kind: 'boolean', short: 'f', help: 'follow' },
  ],
  remote: true,
  json: true,
};

describe('parseCommand', () => {
  test('a key or value that starts with a dash is the value of the option before it (base64url keys do)', () => {
    expect(parseCommand(spec, ['r1', '--key', '-Xy_z0', '--reason', '--not-an-option', '--offset', '-5', '--json']).opts).toMatchObject({
      key: '-Xy_z0',
      reason: '--not-an-option',
      offset: -5,
      json: true,
    });
    expect(parseCommand(spec, ['--key=-abc', 'r1']).opts.key).toBe('-abc');
  });

  test('a following option is not taken as a value, and a missing value is still a usage error', () => {
    expect(() => parseCommand(spec, ['--reason', '--json'])).toThrow(UsageError);
    expect(() => parseCommand(spec, ['--reason', '-f'])).toThrow(UsageError);
    expect(() => parseCommand(spec, ['--reason'])).toThrow(/--reason needs a value/);
    // After `--`, everything is a positional.
    expect(parseCommand(spec, ['--', '-r1']).args.RUN).toBe('-r1');
  });
});
