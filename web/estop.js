// @ts-check
/**
 * The page's emergency stop: the ⚠ button and the Esc key (anywhere on the page, even while typing) send
 * `voice_agent.estop` over the Realtime WebSocket — the server cancels the reply and every action and
 * sends the declared `stop` action — and the page silences the reply it is playing at once, without
 * waiting for the server.
 *
 * @example
 * wireEstop(document, view.estopButton, (via) => socket.send({ type: 'voice_agent.estop' }));
 */

/**
 * @param {Document} doc
 * @param {HTMLButtonElement} button
 * @param {(via: 'button' | 'key') => void} stop
 */
export function wireEstop(doc, button, stop) {
  button.addEventListener('click', () => stop('button'));
  doc.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || event.repeat) return;
    event.preventDefault();
    stop('key');
  });
}
