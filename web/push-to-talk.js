// @ts-check
/**
 * Push-to-talk (`session.activation: push`; in `wake`, the same as saying the wake phrase): hold Space to
 * talk, outside the page's controls (Space still presses a focused button and types in a text box). The
 * server opens the microphone on the press and ends the turn on the release.
 */

/**
 * @param {Document} doc
 * @param {Window} win
 * @param {(open: boolean) => boolean} send sends `voice_agent.input_audio.listen`; false when not connected
 */
export function wirePushToTalk(doc, win, send) {
  let held = false;
  /** @param {boolean} open */
  const listen = (open) => {
    if (held === open || !send(open)) return;
    held = open;
  };
  doc.addEventListener('keydown', (event) => {
    const target = /** @type {Element | null} */ (event.target);
    if (
      event.code !== 'Space' ||
      event.repeat ||
      target?.closest?.('input, textarea, select, button, summary, [contenteditable]')
    )
      return;
    event.preventDefault();
    listen(true);
  });
  doc.addEventListener('keyup', (event) => event.code === 'Space' && listen(false));
  win.addEventListener('blur', () => listen(false));
}
