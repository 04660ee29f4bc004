/**
 * `voice-agent devices`: the inputs and outputs of this machine's sound server (PulseAudio, PipeWire's
 * pulse server, or plain ALSA), by the names `voice-agent live --input/--output` take.
 */
import { detectSoundServer, listDevices, type AudioDevice } from '../../adapters/audio/sound-server.js';
import { parseCommandArgs } from './flags.js';

export async function runDevicesCommand(args: string[], out: (line: string) => void = console.log): Promise<void> {
  const { values } = parseCommandArgs(args, { json: { type: 'boolean' } });
  const server = await detectSoundServer();
  const devices = await listDevices(server);
  if (values.json) {
    out(JSON.stringify({ server, ...devices }, null, 2));
    return;
  }
  const width = Math.max(8, ...[...devices.inputs, ...devices.outputs].map((d) => d.name.length));
  const rows = (list: AudioDevice[], fallback: string | undefined) =>
    list.length === 0
      ? ['  (none)']
      : list.map(
          (d) =>
            `  ${d.name.padEnd(width)}  ` +
            `${d.description}${d.monitor ? ' (what a speaker plays)' : ''}${d.name === fallback ? ' [default]' : ''}`,
        );
  out(`${server.name}${server.kind === 'alsa' ? ' (no pulse server answers: plain ALSA devices)' : ''}`);
  out('inputs (--input):');
  for (const row of rows(devices.inputs, server.defaultInput)) out(row);
  out('outputs (--output):');
  for (const row of rows(devices.outputs, server.defaultOutput)) out(row);
}
