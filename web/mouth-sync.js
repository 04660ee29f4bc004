// @ts-check
/**
 * The mouth in step with the loudspeaker: a mouth shape is drawn when the audio the worklet outputs now
 * reaches the speaker (the context's output latency later), so it moves with what is heard.
 */

/** @typedef {import('./speaker.js').Mouth} MouthData */
/** @typedef {{ context: AudioContext }} CallWithContext */

/**
 * @param {AudioContext} context seconds from the worklet's output to the loudspeaker (0 where the browser does not say)
 */
export function outputLatencyMs(context) {
  return ((context.outputLatency || 0) + (context.baseLatency || 0)) * 1000;
}

/**
 * @param {{
 *   mouth: import('./mouth.js').Mouth,
 *   hook: { mouth: { level: number, viseme: string | null, updates: number } },
 *   isCurrent: (call: any, epoch: number) => boolean,
 *   epoch: () => number,
 * }} deps
 */
export function createMouthSync({ mouth, hook, isCurrent, epoch }) {
  /** @param {MouthData} data */
  const showMouth = (data) => {
    mouth.show(data.level, data.viseme);
    hook.mouth.level = data.level;
    hook.mouth.viseme = data.viseme;
    hook.mouth.updates = mouth.updates;
  };
  const closeMouth = () => {
    mouth.close();
    hook.mouth.level = 0;
    hook.mouth.viseme = null;
  };
  /**
   * @param {CallWithContext} c
   * @param {() => void} draw
   */
  const atSpeaker = (c, draw) => {
    const delayMs = outputLatencyMs(c.context);
    const at = epoch();
    // Why 4 ms: below that a timer costs more than the drift it saves (a 20 ms frame is the mouth's unit).
    if (delayMs < 4) draw();
    else setTimeout(() => isCurrent(c, at) && draw(), delayMs);
  };
  return { showMouth, closeMouth, atSpeaker, outputLatencyMs };
}
